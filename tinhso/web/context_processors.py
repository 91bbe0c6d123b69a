from django.conf import settings


def platform(request):
    return {"PLATFORM_NAME": "Tỉnh số", "SITE_URL": settings.SITE_URL, "DEBUG": settings.DEBUG}

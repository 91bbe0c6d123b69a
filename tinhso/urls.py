from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from tinhso.api import api

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("tinhso.core.ops.urls")),
    path("", include("tinhso.web.urls")),
]

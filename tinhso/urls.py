from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from tinhso.api import api

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("tinhso.core.ops.urls")),
    path("open311/v2/", include("tinhso.feedback.open311.urls")),
    path("quan-ly/open311/", include("tinhso.feedback.open311.admin_urls")),
    path("phan-anh/", include("tinhso.feedback.urls")),
    path("thu-tuc/", include("tinhso.procedures.urls")),
    path("ho-so/", include("tinhso.dossiers.urls")),
    path("thanh-toan/", include("tinhso.payments.urls")),
    path("trung-tam-dieu-hanh/", include("tinhso.ioc.urls")),
    path("", include("tinhso.web.urls")),
]

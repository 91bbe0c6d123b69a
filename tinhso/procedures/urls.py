from django.urls import path

from tinhso.procedures import views

app_name = "procedures"
urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("quan-tri/", views.manage, name="manage"),
    path("quan-tri/nhap/<uuid:public_id>/", views.import_job, name="import_job"),
    path("quan-tri/nhap/<uuid:public_id>/tien-do/", views.import_progress, name="import_progress"),
    path("quan-tri/xuat.<str:file_format>", views.export, name="export"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/mau/<int:order>/", views.template_download, name="template"),
]

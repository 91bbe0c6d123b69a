from django.urls import path

from tinhso.payments import sandbox_views, views

app_name = "payments"
urlpatterns = [
    path("", views.payment_list, name="list"),
    path("doi-soat/", views.reconciliations, name="reconciliations"),
    path("doi-soat/<int:run_id>/", views.reconciliation_detail, name="reconciliation"),
    path("sandbox/<str:ref>/", sandbox_views.sandbox_pay, name="sandbox_pay"),
    path("<uuid:public_id>/", views.payment_detail, name="detail"),
    path("<uuid:public_id>/trang-thai/", views.payment_status, name="status"),
    path("<uuid:public_id>/nop-tien/", views.payment_start, name="start"),
    path("<uuid:public_id>/kiem-tra/", views.payment_refresh, name="refresh"),
    path("<uuid:public_id>/huy/", views.payment_cancel, name="cancel"),
    path("<uuid:public_id>/thanh-toan-lai/", views.payment_retry, name="retry"),
    path("<uuid:public_id>/bien-lai/", views.receipt_page, name="receipt"),
    path("<uuid:public_id>/bien-lai.pdf", views.receipt_pdf, name="receipt_pdf"),
]

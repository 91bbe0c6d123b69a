"""Operators' pages for Open311 keys; mounted by tinhso/urls.py at ``/quan-ly/open311/``."""

from django.urls import path

from tinhso.feedback.open311 import admin_views

app_name = "open311_admin"

urlpatterns = [
    path("", admin_views.key_list, name="keys"),
    path("cap-khoa/", admin_views.key_issue, name="issue"),
    path("<uuid:public_id>/thu-hoi/", admin_views.key_revoke, name="revoke"),
]

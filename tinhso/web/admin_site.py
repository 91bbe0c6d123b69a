"""The Django admin, opened only to platform administrators and only through our own sign-in
(which enforces two-factor authentication); Django's own admin login form is never shown."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tinhso.core.permissions import can


class TinhsoAdminSite(admin.AdminSite):
    site_header = _("Quản trị Tỉnh số")
    site_title = _("Quản trị Tỉnh số")
    index_title = _("Quản trị nền tảng")

    def has_permission(self, request):
        user = request.user
        return bool(user.is_active and user.is_authenticated and user.is_staff and can(user, "web.admin"))

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            from tinhso.web.views import render_forbidden

            return render_forbidden(request)
        return redirect(f"{reverse('web:login')}?next={request.get_full_path()}")


class TinhsoAdminConfig(AdminConfig):
    default_site = "tinhso.web.admin_site.TinhsoAdminSite"


class AuditedModelAdmin(admin.ModelAdmin):
    """Admin edits are writes like any other: each one leaves an audit record in the same transaction.

    Models whose writes carry business rules are edited through their services instead and are
    registered read-only.
    """

    def save_model(self, request, obj, form, change):
        from tinhso.core.audit import services as audit

        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            action=f"admin.{obj._meta.model_name}_{'changed' if change else 'added'}",
            obj=obj,
            changes={"fields": sorted(form.changed_data)},
        )

    def delete_model(self, request, obj):
        from tinhso.core.audit import services as audit

        audit.record(actor=request.user, action=f"admin.{obj._meta.model_name}_deleted", obj=obj)
        super().delete_model(request, obj)

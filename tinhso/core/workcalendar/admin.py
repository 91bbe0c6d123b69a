from django import forms
from django.contrib import admin, messages

from tinhso.core.errors import DomainError
from tinhso.core.permissions import can
from tinhso.core.workcalendar import services
from tinhso.core.workcalendar.models import CalendarOverride, OverrideKind


class CalendarOverrideForm(forms.ModelForm):
    class Meta:
        model = CalendarOverride
        fields = ["day", "kind", "reason", "legal_basis"]

    def clean(self):
        """Run the service's checks so the administrator sees the reason next to the form (the unique
        date is checked by the model form itself)."""
        data = super().clean()
        if self.errors:
            return data
        try:
            services.check_override(
                day=data.get("day"),
                kind=data.get("kind"),
                reason=data.get("reason"),
                legal_basis=data.get("legal_basis", ""),
            )
        except DomainError as error:
            raise forms.ValidationError(error.message_vi, code=error.code) from None
        return data


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    """Every save and delete goes through the services: permission-checked, audited and evented."""

    form = CalendarOverrideForm
    list_display = ["day", "kind", "reason", "legal_basis"]
    list_filter = ["kind"]
    search_fields = ["reason", "legal_basis"]
    date_hierarchy = "day"
    actions = ["delete_through_services"]

    def _may_manage(self, request) -> bool:
        return can(request.user, "workcalendar.manage")

    def has_add_permission(self, request):
        return self._may_manage(request)

    def has_change_permission(self, request, obj=None):
        return self._may_manage(request)

    def has_delete_permission(self, request, obj=None):
        return self._may_manage(request)

    def has_view_permission(self, request, obj=None):
        return self._may_manage(request)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # the bulk delete would bypass the services
        return actions

    def save_model(self, request, obj, form, change):
        declare = (
            services.declare_day_off if obj.kind == OverrideKind.DAY_OFF else services.declare_working_day
        )
        if change:
            original = CalendarOverride.objects.get(pk=obj.pk)
            if (original.day, original.kind) != (obj.day, obj.kind):
                services.remove_override(actor=request.user, day=original.day)
        saved = declare(actor=request.user, day=obj.day, reason=obj.reason, legal_basis=obj.legal_basis)
        # The admin redirects to the saved object's page; give it the row the service wrote.
        obj.pk = saved.pk
        obj.created_at, obj.updated_at = saved.created_at, saved.updated_at

    def delete_model(self, request, obj):
        services.remove_override(actor=request.user, day=obj.day)

    @admin.action(description="Xóa các công bố đã chọn")
    def delete_through_services(self, request, queryset):
        removed = 0
        for override in queryset:
            try:
                services.remove_override(actor=request.user, day=override.day)
                removed += 1
            except DomainError as error:
                self.message_user(request, f"{override.day}: {error.message_vi}", level=messages.ERROR)
        self.message_user(request, f"Đã xóa {removed} công bố.")

from django.contrib import admin

from tinhso.core.audit.models import AuditRecord
from tinhso.core.permissions import can


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    """Read-only: the log is written by services only and never edited (see docs/audit.md)."""

    list_display = [
        "seq",
        "at",
        "actor_label",
        "actor_kind",
        "action",
        "object_type",
        "object_repr",
        "outcome",
    ]
    list_filter = ["outcome", "actor_kind", "channel"]
    search_fields = ["action", "actor_label", "actor_id", "object_id", "request_id"]
    ordering = ["-seq"]
    # Counting millions of rows on every page load is wasted work.
    show_full_result_count = False
    list_per_page = 50

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_view_permission(self, request, obj=None):
        return can(request.user, "audit.view")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

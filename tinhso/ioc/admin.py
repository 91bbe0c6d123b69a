"""The operations center in the admin site, read-only: alert rules are set through the API or
the services (``tinhso.ioc.alerts``: checked, validated, audited), alerts change only by
evaluation and acknowledgement, and the read models only through ``tinhso.ioc.services``
(``tinhso ioc rebuild`` recomputes them). The admin shows them to platform administrators for
support."""

from django.contrib import admin

from tinhso.core.permissions import can
from tinhso.ioc.models import Alert, AlertLog, AlertRule, Counter, OpenItem


class ReadOnlyAdmin(admin.ModelAdmin):
    # The admin site itself is for platform administrators ("web.admin"); these pages also need
    # the right to see the operations center.
    permission_action = "ioc.view"

    def has_view_permission(self, request, obj=None):
        return can(request.user, self.permission_action)

    def has_module_permission(self, request):
        return can(request.user, self.permission_action)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AlertRule)
class AlertRuleAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "name",
        "kpi",
        "agency_id",
        "window",
        "comparison",
        "threshold",
        "severity",
        "is_active",
    ]
    list_filter = ["is_active", "severity", "window", "comparison"]
    search_fields = ["code", "name", "kpi"]


class AlertLogInline(admin.TabularInline):
    model = AlertLog
    fields = ["at", "kind", "actor", "value", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["id", "rule", "state", "value", "threshold", "opened_at", "acknowledged_by", "cleared_at"]
    list_filter = ["state", "rule__severity"]
    search_fields = ["rule__code", "rule__name"]
    list_select_related = ["rule", "acknowledged_by"]
    inlines = [AlertLogInline]


@admin.register(Counter)
class CounterAdmin(ReadOnlyAdmin):
    list_display = ["metric", "day", "agency_id", "unit_id", "subject", "value"]
    list_filter = ["source", "metric"]
    search_fields = ["metric", "subject"]
    date_hierarchy = "day"


@admin.register(OpenItem)
class OpenItemAdmin(ReadOnlyAdmin):
    list_display = ["source", "key", "agency_id", "subject", "opened_at", "due_at"]
    list_filter = ["source"]
    search_fields = ["key", "subject"]

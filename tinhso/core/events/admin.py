"""The outbox in the admin: read-only, with one action that retries through the service."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.core.errors import DomainError
from tinhso.core.events import services
from tinhso.core.events.models import Delivery, OutboxEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """The outbox is written only by the events services; the admin never edits it."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    fields = ["subscriber", "attempt", "delivered_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ["name", "status", "attempts", "occurred_at", "next_attempt_at", "delivered_at"]
    list_filter = ["status", "name"]
    search_fields = ["=id", "name", "=request_id"]
    date_hierarchy = "occurred_at"
    readonly_fields = [
        "id",
        "name",
        "status",
        "payload",
        "occurred_at",
        "request_id",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_error",
    ]
    inlines = [DeliveryInline]
    actions = ["retry_events"]

    @admin.action(description=gettext_lazy("Chuyển lại các sự kiện đã chọn"))
    def retry_events(self, request, queryset):
        retried = 0
        for event in queryset:
            try:
                services.retry_event(actor=request.user, event=event)
            except DomainError as error:
                self.message_user(request, f"{event.name} {event.id}: {error.message_vi}", messages.WARNING)
            else:
                retried += 1
        if retried:
            self.message_user(
                request,
                _("Đã đưa %(count)d sự kiện vào hàng đợi lại.") % {"count": retried},
                messages.SUCCESS,
            )


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["subscriber", "event", "attempt", "delivered_at"]
    list_filter = ["subscriber"]
    search_fields = ["subscriber", "=event__id"]
    list_select_related = ["event"]
    readonly_fields = ["event", "subscriber", "attempt", "delivered_at"]

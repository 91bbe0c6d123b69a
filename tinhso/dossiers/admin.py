"""Dossiers in the admin site: read-only. Every change goes through the services (the web pages
and the API); the admin is for platform administrators to look, never to edit a legal record."""

from django.contrib import admin

from tinhso.dossiers.models import Dossier, DossierStep, DossierTransition, Notification


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StepInline(admin.TabularInline):
    model = DossierStep
    fields = ["order", "name", "kind", "agency", "role", "started_at", "due_at", "finished_at", "outcome"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class TransitionInline(admin.TabularInline):
    model = DossierTransition
    fields = ["at", "action", "from_state", "to_state", "national_status", "agency", "actor_label", "form"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dossier)
class DossierAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "procedure_code",
        "state",
        "receiving_agency",
        "current_agency",
        "submitted_at",
        "appointment_at",
    ]
    list_filter = ["state", "channel"]
    search_fields = ["code", "procedure_code"]
    # Never the encrypted or digested personal fields.
    fields = [
        "code",
        "procedure_code",
        "procedure_name",
        "state",
        "channel",
        "receiving_agency",
        "current_agency",
        "applicant_name",
        "submitted_at",
        "received_at",
        "appointment_at",
        "due_at",
        "decided_at",
        "result_returned_at",
        "withdrawn_at",
        "extension_count",
        "supplement_count",
        "supplement_days_total",
        "version",
    ]
    readonly_fields = fields
    inlines = [StepInline, TransitionInline]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "channel", "recipient_masked", "status", "sent_at"]
    list_filter = ["status", "channel", "kind"]
    fields = [
        "dossier",
        "kind",
        "channel",
        "recipient_masked",
        "subject",
        "body",
        "status",
        "attempts",
        "last_error",
        "sent_by",
        "sent_at",
    ]
    readonly_fields = fields

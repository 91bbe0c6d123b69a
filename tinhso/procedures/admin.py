"""The catalog in the admin site, read-only: every write goes through the services, from the
catalog's own pages (/thu-tuc/quan-tri/), the API or an import, so that it is validated and audited."""

from django.contrib import admin

from tinhso.procedures.models import Field, FormField, ImportJob, Procedure, RequiredDocument, RouteStep


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DocumentInline(ReadOnlyMixin, admin.TabularInline):
    model = RequiredDocument
    fields = ["order", "name", "is_required", "copies", "accepts", "template"]
    extra = 0


class FormFieldInline(ReadOnlyMixin, admin.TabularInline):
    model = FormField
    fields = ["order", "key", "label", "datatype", "required", "choices", "help_text"]
    extra = 0


class RouteStepInline(ReadOnlyMixin, admin.TabularInline):
    model = RouteStep
    fields = ["order", "name", "kind", "role", "share_days", "agency_level", "agency"]
    extra = 0


@admin.register(Field)
class FieldAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Procedure)
class ProcedureAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["code", "name", "field", "processing_days", "online_level", "is_active", "active_to"]
    list_filter = ["field", "online_level", "is_active"]
    search_fields = ["code", "name"]
    inlines = [DocumentInline, FormFieldInline, RouteStepInline]
    exclude = ["search_text"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "status",
        "mode",
        "file_format",
        "created_count",
        "updated_count",
        "error_count",
    ]
    list_filter = ["status"]

"""Field reports in the admin site: categories and routing rules are edited through the services
(checked, audited, evented); reports are read-only here (they are handled through the API and the
officers' pages) and show no personal data."""

from django import forms
from django.contrib import admin

from tinhso.core.errors import DomainError
from tinhso.feedback import services
from tinhso.feedback.models import Category, Report, RoutingRule

CATEGORY_FIELDS = [
    "name",
    "description",
    "group",
    "keywords",
    "agency",
    "deadline_days",
    "attributes",
    "allow_anonymous",
    "contact_required",
    "photo_required",
    "is_active",
    "sort_order",
]


class CategoryAdminForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["code", *CATEGORY_FIELDS]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            services.validate_category_fields(**{key: cleaned.get(key) for key in CATEGORY_FIELDS})
        except DomainError as error:
            raise forms.ValidationError(error.message_vi, code=error.code) from None
        return cleaned


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryAdminForm
    list_display = ["code", "name", "agency", "deadline_days", "allow_anonymous", "is_active", "sort_order"]
    list_filter = ["is_active", "allow_anonymous", "group"]
    search_fields = ["code", "name", "keywords"]
    autocomplete_fields = ["agency"]
    list_select_related = ["agency"]

    def get_readonly_fields(self, request, obj=None):
        # The code is the Open311 service_code: clients store it.
        return ["code", "created_at", "updated_at"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: reports refer to it

    def save_model(self, request, obj, form, change):
        data = {key: form.cleaned_data[key] for key in CATEGORY_FIELDS}
        if change:
            saved = services.update_category(
                actor=request.user, category=Category.objects.get(pk=obj.pk), **data
            )
        else:
            saved = services.create_category(actor=request.user, code=form.cleaned_data["code"], **data)
        obj.pk = obj.id = saved.pk
        obj._state.adding = False


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "unit", "include_descendants", "agency"]
    list_filter = ["category"]
    search_fields = ["category__code", "unit__name", "unit__code", "agency__name", "agency__code"]
    autocomplete_fields = ["category", "agency"]
    raw_id_fields = ["unit"]
    list_select_related = ["category", "unit", "agency"]
    actions = ["remove_selected"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            previous = RoutingRule.objects.get(pk=obj.pk)
            if (previous.category_id, previous.unit_id) != (data["category"].pk, data["unit"].pk):
                services.remove_routing_rule(actor=request.user, rule=previous)
        saved = services.set_routing_rule(
            actor=request.user,
            category=data["category"],
            unit=data["unit"],
            agency=data["agency"],
            include_descendants=data["include_descendants"],
        )
        obj.pk = obj.id = saved.pk
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.remove_routing_rule(actor=request.user, rule=obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # replaced by one that goes through the service
        return actions

    @admin.action(description="Xóa các quy tắc đã chọn")
    def remove_selected(self, request, queryset):
        for rule in queryset:
            services.remove_routing_rule(actor=request.user, rule=rule)


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["public_id", "category", "agency", "status", "created_at", "due_at", "merged_into"]
    list_filter = ["status", "category", "channel"]
    search_fields = ["public_id"]
    list_select_related = ["category", "agency", "merged_into"]
    # Only what is not personal data: description, address and contacts stay out of the admin.
    fields = [
        "public_id",
        "category",
        "agency",
        "status",
        "channel",
        "unit",
        "created_at",
        "received_at",
        "due_at",
        "acknowledged_at",
        "assigned_at",
        "started_at",
        "resolved_at",
        "closed_at",
        "close_kind",
        "rejected_at",
        "rejection_kind",
        "reopen_count",
        "merged_into",
        "hide_description",
        "hide_photos",
        "hide_reporter",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

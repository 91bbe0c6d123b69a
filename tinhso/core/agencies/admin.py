"""The agency tree in the admin site: every save goes through the services (permission, audit, event)."""

from django import forms
from django.contrib import admin

from tinhso.core.agencies import services
from tinhso.core.agencies.models import Agency
from tinhso.core.errors import DomainError


class AgencyAdminForm(forms.ModelForm):
    class Meta:
        model = Agency
        fields = [
            "code",
            "name",
            "short_name",
            "kind",
            "parent",
            "unit",
            "valid_from",
            "valid_to",
            "successor",
        ]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        instance = self.instance if self.instance.pk else None
        try:
            services.validate_agency_fields(
                agency=instance,
                code=instance.code if instance else cleaned.get("code", ""),
                name=cleaned.get("name", ""),
                kind=cleaned.get("kind", ""),
                short_name=cleaned.get("short_name", ""),
                parent=cleaned.get("parent"),
                unit=cleaned.get("unit"),
                valid_from=cleaned.get("valid_from"),
                valid_to=cleaned.get("valid_to"),
            )
        except DomainError as error:
            raise forms.ValidationError(error.message_vi, code=error.code) from None
        if instance is not None and instance.valid_to is not None and cleaned.get("valid_to") is None:
            raise forms.ValidationError(
                "Cơ quan đã hết hiệu lực không thể mở lại; hãy tạo cơ quan mới.",
                code="agencies.cannot_reopen",
            )
        if cleaned.get("successor") is not None and cleaned.get("valid_to") is None:
            raise forms.ValidationError(
                "Cần nhập ngày hết hiệu lực khi chọn cơ quan kế thừa.", code="agencies.successor_without_end"
            )
        return cleaned


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    form = AgencyAdminForm
    list_display = ["code", "name", "short_name", "kind", "parent", "valid_from", "valid_to", "successor"]
    list_filter = ["kind", "valid_to"]
    search_fields = ["code", "name", "short_name"]
    autocomplete_fields = ["parent", "successor"]
    raw_id_fields = ["unit"]
    list_select_related = ["parent", "successor"]
    ordering = ["code"]

    def get_readonly_fields(self, request, obj=None):
        # The code identifies the agency in documents and dossiers; a new code is a new agency.
        return ["code", "created_at", "updated_at"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        # Agencies are closed (with a successor), never deleted: their history must stay readable.
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = Agency.objects.get(pk=obj.pk)
            services.update_agency(
                actor=request.user,
                agency=saved,
                name=data["name"],
                short_name=data["short_name"],
                kind=data["kind"],
                parent=data["parent"],
                unit=data["unit"],
                valid_from=data["valid_from"],
            )
        else:
            saved = services.create_agency(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                short_name=data["short_name"],
                parent=data["parent"],
                unit=data["unit"],
                valid_from=data["valid_from"],
                valid_to=None if data["successor"] else data["valid_to"],
            )
        if data["valid_to"] is not None and (
            data["valid_to"] != saved.valid_to or data["successor"] != saved.successor
        ):
            services.close_agency(
                actor=request.user, agency=saved, valid_to=data["valid_to"], successor=data["successor"]
            )
        # The admin redirects and messages with the form's instance: give it the saved identity.
        obj.pk = obj.id = saved.pk
        obj._state.adding = False

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from tinhso.core.accounts import services
from tinhso.core.accounts.models import AgencyAccessGrant, OfficerRole, User
from tinhso.web.admin_site import AuditedModelAdmin


class OfficerRoleInline(admin.TabularInline):
    model = OfficerRole
    extra = 0
    autocomplete_fields = ["agency"]


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    list_display = ["username", "full_name", "kind", "is_active", "last_login"]
    list_filter = ["kind", "is_active"]
    search_fields = ["username", "full_name", "email"]
    readonly_fields = ["public_id", "citizen_id_digest", "citizen_id_last3", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["username", "password", "public_id", "kind", "full_name", "email", "is_active"]}),
        ("Citizen", {"fields": ["citizen_id_last3", "citizen_id_digest"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    inlines = [OfficerRoleInline]

    def save_formset(self, request, form, formset, change):
        """Role rows go through the services, so they are permission-checked, audited and evented."""
        if formset.model is not OfficerRole:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for removed in formset.deleted_objects:
            services.revoke_role(actor=request.user, officer_role=removed)
        for officer_role in instances:
            if officer_role.pk:
                services.revoke_role(
                    actor=request.user, officer_role=OfficerRole.objects.get(pk=officer_role.pk)
                )
            services.assign_role(
                actor=request.user,
                user=form.instance,
                agency=officer_role.agency,
                role=officer_role.role,
                covers_subordinates=officer_role.covers_subordinates,
            )

    def get_inlines(self, request, obj):
        return [OfficerRoleInline] if obj is not None and obj.is_officer else []


@admin.register(AgencyAccessGrant)
class AgencyAccessGrantAdmin(AuditedModelAdmin):
    list_display = ["grantee", "target", "action_prefix", "valid_from", "valid_to"]
    autocomplete_fields = ["grantee", "target"]

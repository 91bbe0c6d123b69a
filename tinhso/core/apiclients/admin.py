"""API clients and tokens in the admin: read-only lists (never a secret), and the deactivate and
revoke actions, which go through the services so they are checked, audited and evented.

Clients are created with ``tinhso apiclient create`` or the API, which show the secret once.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from tinhso.core.apiclients import services
from tinhso.core.apiclients.models import AccessToken, ApiClient, PersonalAccessToken
from tinhso.core.errors import DomainError


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _run_each(modeladmin, request, queryset, action, done_message):
    done = 0
    for obj in queryset:
        try:
            action(actor=request.user, obj=obj)
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message_vi}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message % {"count": done}, messages.SUCCESS)


@admin.register(ApiClient)
class ApiClientAdmin(ReadOnlyAdmin):
    list_display = ["name", "client_id", "agency", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "client_id"]
    list_select_related = ["agency"]
    fields = [
        "name",
        "client_id",
        "agency",
        "scopes",
        "is_active",
        "secret_prefix",
        "created_by",
        "created_at",
        "secret_rotated_at",
        "last_used_at",
    ]
    readonly_fields = fields
    actions = ["deactivate"]

    @admin.action(description=_("Vô hiệu hóa các ứng dụng đã chọn"))
    def deactivate(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda *, actor, obj: services.deactivate_api_client(actor=actor, client=obj),
            _("Đã vô hiệu hóa %(count)d ứng dụng."),
        )


@admin.register(AccessToken)
class AccessTokenAdmin(ReadOnlyAdmin):
    list_display = ["prefix", "client", "created_at", "expires_at", "revoked", "last_used_at"]
    list_filter = ["revoked"]
    search_fields = ["prefix", "client__name", "client__client_id"]
    list_select_related = ["client"]
    fields = ["prefix", "client", "scopes", "created_at", "expires_at", "revoked", "last_used_at"]
    readonly_fields = fields
    actions = ["revoke"]

    @admin.action(description=_("Thu hồi các mã truy cập đã chọn"))
    def revoke(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda *, actor, obj: services.revoke_client_token(actor=actor, token=obj),
            _("Đã thu hồi %(count)d mã truy cập."),
        )


@admin.register(PersonalAccessToken)
class PersonalAccessTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "prefix", "user", "created_at", "expires_at", "revoked", "last_used_at"]
    list_filter = ["revoked"]
    search_fields = ["name", "prefix", "user__username"]
    list_select_related = ["user"]
    fields = [
        "name",
        "prefix",
        "user",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked",
        "revoked_at",
    ]
    readonly_fields = fields
    actions = ["revoke"]

    @admin.action(description=_("Thu hồi các mã truy cập cá nhân đã chọn"))
    def revoke(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda *, actor, obj: services.revoke_personal_token(actor=actor, token=obj),
            _("Đã thu hồi %(count)d mã truy cập cá nhân."),
        )

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tinhso.core.files import services
from tinhso.core.files.models import StoredFile


@admin.register(StoredFile)
class StoredFileAdmin(admin.ModelAdmin):
    """Read-only: files are written only by the upload service; deletion goes through it too."""

    list_display = ["original_name", "purpose", "content_type", "size", "scan_status", "agency", "created_at"]
    list_filter = ["purpose", "scan_status", "content_type"]
    search_fields = ["original_name", "sha256", "public_id"]
    list_select_related = ["agency"]
    readonly_fields = [field.name for field in StoredFile._meta.fields]
    actions = ["soft_delete"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Xoá (mềm) các tệp đã chọn"))
    def soft_delete(self, request, queryset):
        count = 0
        for stored in queryset.filter(deleted_at__isnull=True):
            services.delete_stored_file(actor=request.user, stored_file=stored)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d tệp đã được xoá.", "%(count)d tệp đã được xoá.", count) % {"count": count},
            messages.SUCCESS,
        )

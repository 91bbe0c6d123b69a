"""Payments in the admin site: read-only. Payments change only through the services (provider
notifications, status queries, reconciliation), so that every change is audited and evented."""

from django.contrib import admin

from tinhso.core.permissions import can
from tinhso.payments.models import (
    Payment,
    PaymentCallback,
    Receipt,
    ReconciliationRun,
    SandboxCallback,
    SandboxTransaction,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    permission_action = "payments.reconcile"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_view_permission(self, request, obj=None):
        return can(request.user, self.permission_action)

    def has_module_permission(self, request):
        return can(request.user, self.permission_action)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "public_id",
        "payable_type",
        "payable_id",
        "amount",
        "status",
        "needs_review",
        "provider",
        "created_at",
    ]
    list_filter = ["status", "needs_review", "provider", "payable_type"]
    search_fields = ["public_id", "payable_id", "provider_ref", "provider_txn_no"]
    list_select_related = ["agency"]
    show_full_result_count = False


@admin.register(PaymentCallback)
class PaymentCallbackAdmin(ReadOnlyAdmin):
    list_display = [
        "received_at",
        "provider",
        "provider_ref",
        "reported_status",
        "result",
        "duplicate",
        "signature_valid",
    ]
    list_filter = ["provider", "result", "duplicate", "signature_valid"]
    search_fields = ["provider_ref", "nonce"]
    show_full_result_count = False


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ["number", "amount", "issued_at", "agency_code", "provider", "is_test"]
    list_filter = ["year", "provider", "is_test"]
    search_fields = ["number", "lookup_code", "provider_ref"]


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyAdmin):
    list_display = [
        "day",
        "provider",
        "statement_count",
        "matched_count",
        "mismatched_count",
        "corrected_count",
        "run_by",
    ]
    list_filter = ["provider"]


@admin.register(SandboxTransaction)
class SandboxTransactionAdmin(ReadOnlyAdmin):
    list_display = ["ref", "amount", "settled_amount", "status", "created_at", "completed_at"]
    list_filter = ["status"]
    search_fields = ["ref", "merchant_ref"]


@admin.register(SandboxCallback)
class SandboxCallbackAdmin(ReadOnlyAdmin):
    list_display = ["transaction", "status", "due_at", "copies", "sent_count", "attempts", "given_up"]
    list_filter = ["status", "given_up"]

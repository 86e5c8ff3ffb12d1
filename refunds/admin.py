from django.contrib import admin

from refunds.models import Check, CheckRun, Refund, RefundEvent, StripeEvent
from securus.admin_utils import ReadOnlyAdmin, ReadOnlyInline, money_column


class RefundEventInline(ReadOnlyInline):
    model = RefundEvent
    fields = ["at", "status", "note"]
    readonly_fields = fields
    show_change_link = False


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    """Refunds move money: they change only through refunds' services, never by hand here."""

    list_display = [
        "id",
        "account",
        "service",
        "amount",
        "method",
        "status",
        "card_last4",
        "expected_from",
        "expected_to",
        "created_at",
    ]
    list_filter = ["method", "status", "service"]
    search_fields = [
        "account__name",
        "account__user__email",
        "=idempotency_key",
        "=stripe_refund_id",
        "=card_last4",
    ]
    list_select_related = ["account"]
    date_hierarchy = "created_at"
    inlines = [RefundEventInline]
    amount = money_column("amount_cents", "amount")


@admin.register(RefundEvent)
class RefundEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "refund", "status", "note"]
    list_filter = ["status"]
    search_fields = ["note"]
    list_select_related = ["refund"]


class CheckInline(ReadOnlyInline):
    model = Check
    fk_name = "check_run"
    fields = ["check_number", "payee", "amount", "status"]
    readonly_fields = fields
    amount = money_column("amount_cents", "amount")


@admin.register(CheckRun)
class CheckRunAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "run_date", "status", "check_count", "total", "completed_at"]
    list_filter = ["status"]
    date_hierarchy = "run_date"
    inlines = [CheckInline]
    total = money_column("total_cents", "total")


@admin.register(Check)
class CheckAdmin(ReadOnlyAdmin):
    """Read-only: checks change only through care.checks (each action audited; care/admin.py adds the
    actions to this page), never by editing the row."""

    list_display = [
        "check_number",
        "payee",
        "amount",
        "status",
        "check_run",
        "issue_date",
        "mailed_at",
        "void_after",
    ]
    list_filter = ["status"]
    search_fields = ["=check_number", "payee", "zip_code", "refund__account__user__email"]
    list_select_related = ["check_run"]
    date_hierarchy = "created_at"
    amount = money_column("amount_cents", "amount")


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "received_at"]
    list_filter = ["type"]
    search_fields = ["=event_id"]

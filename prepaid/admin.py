from django.contrib import admin
from django.db.models import Sum

from prepaid.models import Call, Enrolment, LedgerEntry, Payment, PhoneNumber, PrepaidAccount
from securus.admin_utils import ReadOnlyAdmin, ReadOnlyInline, money_column
from securus.money import dollars
from securus.phones import display_phone


class PhoneNumberInline(ReadOnlyInline):
    model = PhoneNumber
    fields = ["number"]
    readonly_fields = fields
    show_change_link = False


class EnrolmentInline(ReadOnlyInline):
    model = Enrolment
    show_change_link = False


@admin.register(PrepaidAccount)
class PrepaidAccountAdmin(ReadOnlyAdmin):
    """The balance, TextPay and AutoPay change through prepaid's services (and its closer) only."""

    list_display = ["__str__", "account", "status", "balance", "opened_at", "closed_at"]
    list_filter = ["status"]
    search_fields = ["account__name", "account__user__email", "phone_numbers__number"]
    list_select_related = ["account"]
    raw_id_fields = ["account"]
    inlines = [PhoneNumberInline, EnrolmentInline]

    def get_queryset(self, request):
        # One aggregate for the whole page instead of a SUM per row.
        return super().get_queryset(request).annotate(ledger_total=Sum("ledger__amount_cents"))

    @admin.display(description="balance", ordering="ledger_total")
    def balance(self, obj):
        return dollars(obj.ledger_total or 0)


@admin.register(PhoneNumber)
class PhoneNumberAdmin(admin.ModelAdmin):
    list_display = ["phone", "prepaid_account", "account"]
    search_fields = ["number", "prepaid_account__account__name"]
    list_select_related = ["prepaid_account__account"]
    raw_id_fields = ["prepaid_account"]

    @admin.display(description="account", ordering="prepaid_account__account__name")
    def account(self, obj):
        return obj.prepaid_account.account

    @admin.display(description="number", ordering="number")
    def phone(self, obj):
        return display_phone(obj.number)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["id", "prepaid_account", "created_at", "amount", "method", "card_brand", "card_last4"]
    list_filter = ["method", "card_brand"]
    search_fields = ["=stripe_charge_id", "=card_last4", "prepaid_account__account__name"]
    list_select_related = ["prepaid_account"]
    date_hierarchy = "created_at"
    amount = money_column("amount_cents", "amount")

    def get_exclude(self, request, obj=None):
        # Agents see the card's brand and last4, nothing that identifies the card or the charge further.
        return None if request.user.is_superuser else ["card_fingerprint", "stripe_charge_id"]


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "number", "prepaid_account", "charge", "posted", "posted_at"]
    list_filter = ["posted"]
    search_fields = ["number", "prepaid_account__account__name"]
    list_select_related = ["prepaid_account"]
    date_hierarchy = "started_at"
    charge = money_column("charge_cents", "charge")


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    list_display = ["prepaid_account", "kind", "started_at", "ended_at"]
    list_filter = ["kind", ("ended_at", admin.EmptyFieldListFilter)]
    search_fields = ["prepaid_account__account__name"]
    list_select_related = ["prepaid_account"]
    raw_id_fields = ["prepaid_account"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "prepaid_account", "kind", "amount", "memo"]
    list_filter = ["kind"]
    search_fields = ["memo", "prepaid_account__account__name"]
    list_select_related = ["prepaid_account"]
    date_hierarchy = "created_at"
    amount = money_column("amount_cents", "amount")

from django.contrib import admin

from debit.models import DebitAccount, DebitLink, Deposit
from securus.admin_utils import ReadOnlyAdmin, money_column


@admin.register(DebitAccount)
class DebitAccountAdmin(ReadOnlyAdmin):
    list_display = ["owner", "facility", "opened_at"]
    search_fields = ["owner__name", "owner__inmate_number"]
    list_select_related = ["owner__facility"]
    autocomplete_fields = ["owner"]

    @admin.display(description="facility", ordering="owner__facility__name")
    def facility(self, obj):
        return obj.owner.facility


@admin.register(DebitLink)
class DebitLinkAdmin(ReadOnlyAdmin):
    list_display = ["account", "debit_account", "linked_at", "ended_at"]
    list_filter = [("ended_at", admin.EmptyFieldListFilter)]
    search_fields = ["account__name", "account__user__email", "debit_account__owner__name"]
    list_select_related = ["account", "debit_account__owner"]
    raw_id_fields = ["account", "debit_account"]


@admin.register(Deposit)
class DepositAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "depositor", "debit_account", "amount"]
    search_fields = ["depositor__name", "debit_account__owner__name"]
    list_select_related = ["depositor", "debit_account__owner"]
    date_hierarchy = "created_at"
    amount = money_column("amount_cents", "amount")

from django.contrib import admin

from directbill.models import Charge, ClosureRequest, DirectBillAccount, Statement
from securus.admin_utils import NoDeleteAdmin, money_column
from securus.phones import display_phone


@admin.register(DirectBillAccount)
class DirectBillAccountAdmin(NoDeleteAdmin):
    list_display = ["__str__", "account", "phone", "status", "opened_at", "closed_at"]
    list_filter = ["status"]
    search_fields = ["account__name", "account__user__email", "phone_number"]
    list_select_related = ["account"]
    raw_id_fields = ["account"]

    @admin.display(description="phone number", ordering="phone_number")
    def phone(self, obj):
        return display_phone(obj.phone_number) or "-"


@admin.register(Statement)
class StatementAdmin(NoDeleteAdmin):
    list_display = [
        "__str__",
        "directbill_account",
        "statement_date",
        "due_date",
        "total",
        "is_final",
        "emailed_at",
    ]
    list_filter = ["is_final"]
    search_fields = ["directbill_account__account__name"]
    list_select_related = ["directbill_account"]
    raw_id_fields = ["directbill_account"]
    date_hierarchy = "statement_date"
    total = money_column("total_cents", "total")


@admin.register(Charge)
class ChargeAdmin(NoDeleteAdmin):
    list_display = ["created_at", "directbill_account", "description", "amount", "is_billed", "paid"]
    list_filter = ["paid", ("statement", admin.EmptyFieldListFilter)]
    search_fields = ["description", "directbill_account__account__name"]
    list_select_related = ["directbill_account"]
    raw_id_fields = ["directbill_account", "statement"]
    date_hierarchy = "created_at"
    amount = money_column("amount_cents", "amount")

    @admin.display(description="billed", boolean=True, ordering="statement")
    def is_billed(self, obj):
        return obj.billed


@admin.register(ClosureRequest)
class ClosureRequestAdmin(NoDeleteAdmin):
    list_display = ["directbill_account", "status", "requested_at", "close_after", "close_by", "closed_at"]
    list_filter = ["status"]
    search_fields = ["directbill_account__account__name"]
    list_select_related = ["directbill_account"]
    raw_id_fields = ["directbill_account"]
    readonly_fields = ["deletion", "final_statement", "overdue_reported_at"]

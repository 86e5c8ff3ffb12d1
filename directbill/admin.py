"""Direct Bill rows are written by the closer and the closing job only: the admin shows them read-only.
The one change operations can make, ending a hold early, goes through its service and its audit row."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse

from directbill import services
from directbill.models import Charge, ClosureRequest, DirectBillAccount, Statement
from securus.admin_utils import ReadOnlyAdmin, money_column
from securus.phones import display_phone


@admin.register(DirectBillAccount)
class DirectBillAccountAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "account", "phone", "status", "opened_at", "closed_at"]
    list_filter = ["status"]
    search_fields = ["account__name", "account__user__email", "phone_number"]
    list_select_related = ["account"]
    raw_id_fields = ["account"]

    @admin.display(description="phone number", ordering="phone_number")
    def phone(self, obj):
        return display_phone(obj.phone_number) or "-"


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
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
class ChargeAdmin(ReadOnlyAdmin):
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


class EndHoldForm(forms.Form):
    reason = forms.CharField(
        max_length=200, help_text="Why the hold ends early, for the audit trail (a ticket number helps)."
    )


@admin.register(ClosureRequest)
class ClosureRequestAdmin(ReadOnlyAdmin):
    list_display = ["directbill_account", "status", "requested_at", "close_after", "close_by", "closed_at"]
    list_filter = ["status"]
    search_fields = ["directbill_account__account__name"]
    list_select_related = ["directbill_account"]
    actions = ["end_hold_early"]

    def has_end_hold_permission(self, request):
        # Operations' one change to a closure; the closing job does everything else.
        return request.user.has_perm("directbill.change_closurerequest")

    @admin.action(description="End hold early (closes at the next closing run)", permissions=["end_hold"])
    def end_hold_early(self, request, queryset):
        closures = list(queryset.filter(status=ClosureRequest.Status.HELD))
        form = EndHoldForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            changed = services.end_hold_early(
                closure_ids=[c.pk for c in closures], actor=request.user, reason=form.cleaned_data["reason"]
            )
            self.message_user(
                request,
                f"The hold ends today for {len(changed)} closure(s); the next closing run closes them.",
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "End the Direct Bill hold early",
            "closures": closures,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/directbill/end_hold_early.html", context)

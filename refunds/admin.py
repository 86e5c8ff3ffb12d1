from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from accounts.addresses import AddressInvalid
from refunds import check_care
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


class CheckNoteForm(forms.Form):
    note = forms.CharField(max_length=200, required=False, help_text="What USPS marked on the envelope.")
    call_reference = forms.CharField(max_length=64, required=False)


class CheckAddressForm(forms.Form):
    line1 = forms.CharField(label="Street address", max_length=100, required=False)
    line2 = forms.CharField(label="Apartment, suite, unit", max_length=100, required=False)
    city = forms.CharField(max_length=60, required=False)
    state = forms.CharField(max_length=20, required=False)
    zip_code = forms.CharField(label="ZIP code", max_length=10, required=False)
    call_reference = forms.CharField(max_length=64, required=False)


CHECK_ACTIONS = {
    # url name -> (title, form, service, needs an address)
    "returned": ("Mark returned by USPS", CheckNoteForm, check_care.mark_returned),
    "address": ("Correct the mailing address", CheckAddressForm, check_care.update_check_address),
    "reissue": ("Reissue the check", CheckAddressForm, check_care.reissue_check),
}


@admin.register(Check)
class CheckAdmin(ReadOnlyAdmin):
    """Checks change only through refunds.check_care (each action audited), never by editing the row."""

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
    change_form_template = "admin/refunds/check/change_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                f"<int:object_id>/care/{name}/",
                view(partial(self.care_view, action=name)),
                name=f"refunds_check_care_{name}",
            )
            for name in CHECK_ACTIONS
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {**(extra_context or {}), "can_manage_checks": request.user.has_perm("audit.manage_checks")}
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def care_view(self, request, object_id, *, action):
        if not (self.has_view_permission(request) and request.user.has_perm("audit.manage_checks")):
            raise PermissionDenied
        check = self.get_object(request, object_id)
        if check is None:
            raise Http404("No such check.")
        title, form_class, service = CHECK_ACTIONS[action]
        initial = (
            {name: getattr(check, name) for name in check_care.ADDRESS_FIELDS} if action == "address" else {}
        )
        form = form_class(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                result = service(check=check, actor=request.user, **form.cleaned_data)
            except AddressInvalid as exc:
                for name, message in exc.errors.items():
                    form.add_error(name if name in form.fields else None, message)
            except check_care.CheckCareError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"{title}: done.")
                return redirect(reverse("admin:refunds_check_change", args=[result.pk]))
        return TemplateResponse(
            request,
            "admin/care/check_action.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": check,
                "title": title,
                "form": form,
                "action": action,
            },
        )


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "received_at"]
    list_filter = ["type"]
    search_fields = ["=event_id"]

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from accounts.addresses import ADDRESS_FIELDS, AddressInvalid
from accounts.models import Account, Address
from audit.models import StuckWork
from care import checks as check_care
from care import search, stuck
from care import services as care
from deletion.models import AccountDeletion
from deletion.services import plan_deletion
from refunds.admin import CheckAdmin
from refunds.models import Check, Refund
from securus.admin_utils import CappedCountPaginator, ReadOnlyAdmin, ReadOnlyInline, money_column
from securus.cards import card_label
from securus.phones import display_phone


class AddressInline(ReadOnlyInline, admin.StackedInline):
    """Shown, never edited here: agents change it through "Update address" (normalised and audited)."""

    model = Address
    template = "admin/edit_inline/stacked.html"
    fields = ["line1", "line2", "city", "state", "zip_code", "verified_at", "updated_at"]
    readonly_fields = fields
    show_change_link = False


class DeletionInline(ReadOnlyInline, admin.StackedInline):
    model = AccountDeletion
    template = "admin/edit_inline/stacked.html"
    fields = ["channel", "actor_label", "call_reference", "created_at"]
    readonly_fields = fields


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ["amount", "method", "card", "status", "expected_from", "expected_to", "created_at"]
    readonly_fields = fields
    ordering = ["-created_at"]
    amount = money_column("amount_cents", "amount")

    @admin.display(description="card")
    def card(self, obj):
        return card_label(obj.card_brand, obj.card_last4) if obj.method == Refund.Method.CARD else "-"


class CallReferenceForm(forms.Form):
    call_reference = forms.CharField(
        max_length=64, help_text="The reference of this call in the phone system (required)."
    )


class DeleteOnBehalfForm(CallReferenceForm):
    fingerprint = forms.CharField(widget=forms.HiddenInput)
    caller_confirmed = forms.BooleanField(
        label="I read this summary to the caller and they asked to delete the account."
    )


class AgentAddressForm(CallReferenceForm):
    line1 = forms.CharField(label="Street address", max_length=100)
    line2 = forms.CharField(label="Apartment, suite, unit", max_length=100, required=False)
    city = forms.CharField(max_length=60)
    state = forms.CharField(max_length=20)
    zip_code = forms.CharField(label="ZIP code", max_length=10)
    verified_with_caller = forms.BooleanField(
        required=False, label="I read the saved address back and the caller confirmed it."
    )


class VerifyAddressForm(CallReferenceForm):
    shown = forms.CharField(widget=forms.HiddenInput)


class ResendTrackingForm(CallReferenceForm):
    to_email = forms.EmailField(
        required=False,
        label="Send to",
        help_text="Leave empty to use the email kept with the refund; or the address the caller gives.",
    )


class AccountChangeList(ChangeList):
    """Each row's link carries the search it came from, as Django writes it, but composed once for the
    page: Django resolves every row's URL against the whole admin to learn it is not the list itself."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.row_query, self.preserved_filters = self.preserved_filters, ""

    def url_for_result(self, result):
        url = super().url_for_result(result)
        return f"{url}?{self.row_query}" if self.row_query else url


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    """The agent's page while on a call: search, every service's state, the deletion preview, and the
    care actions. The actions only call care.services; the admin holds no logic of its own."""

    list_display = ["name", "email", "account_phone", "zip_code", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["name"]  # the search itself is care.search (get_search_results)
    search_label = "Find the caller's account"
    search_help_text = (
        "Phone as the caller says it ((214) 555-0101, +12145550101, or the last 7 digits), email, name, "
        "ZIP code, or the incarcerated person's name."
    )
    list_select_related = ["user", "address"]
    raw_id_fields = ["user"]
    # No date_hierarchy: its year links read every account's created_at (400 ms over a million accounts).
    show_full_result_count = False  # a count of a million rows on every search is not worth it
    paginator = CappedCountPaginator
    list_per_page = 25  # agents search while the caller waits; a short page renders four times faster
    fields = readonly_fields = ["user", "name", "phone_number", "status", "created_at", "deleted_at"]
    inlines = [AddressInline, DeletionInline, RefundInline]
    change_form_template = "admin/accounts/account/change_form.html"

    def has_add_permission(self, request):
        # Families open accounts by signing up; an agent's form could only make an account no one owns.
        return False

    @admin.display(description="phone")
    def phone_number(self, obj):
        # As agents read it back to the caller, not as stored (E.164).
        return display_phone(obj.phone) or "-"

    def get_changelist(self, request, **kwargs):
        return AccountChangeList

    def changelist_view(self, request, extra_context=None):
        # The list agents search while the caller waits: no navigation sidebar (every model of every
        # app, drawn on each search, cost about as much as the results); the header's links remain.
        return super().changelist_view(request, {"is_nav_sidebar_enabled": False, **(extra_context or {})})

    @admin.display(description="email", ordering="user__email")
    def email(self, obj):
        return obj.user.email if obj.user else "-"

    @admin.display(description="account phone", ordering="phone")
    def account_phone(self, obj):
        return display_phone(obj.phone) or "-"

    def get_list_display(self, request):
        """On a phone search, a column with the number that matched, which may be a calling line or a
        Direct Bill number rather than the account's own phone (found in get_search_results)."""

        @admin.display(description="phone that matched")
        def matched_phone(obj):
            return display_phone(getattr(request, "_matched_phones", {}).get(obj.pk, "")) or "-"

        if search.parse_phone(request.GET.get("q", "")) is None:
            return self.list_display
        return [*self.list_display[:3], matched_phone, *self.list_display[3:]]

    def has_delete_permission(self, request, obj=None):
        # Accounts are closed by "Delete on the caller's behalf" (every service by its rules); a plain
        # admin delete could only be refused by the rows that protect the account.
        return False

    @admin.display(description="ZIP code", ordering="address__zip_code")
    def zip_code(self, obj):
        address = getattr(obj, "address", None)
        return address.zip_code if address else "-"

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        ids = search.search_account_ids(search_term)
        request._matched_phones = search.matched_phones(ids, search_term)
        return queryset.filter(pk__in=ids), False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:object_id>/care/delete/",
                view(self.delete_on_behalf_view),
                name="accounts_account_care_delete",
            ),
            path(
                "<int:object_id>/care/address/", view(self.address_view), name="accounts_account_care_address"
            ),
            path(
                "<int:object_id>/care/tracking/",
                view(self.tracking_view),
                name="accounts_account_care_tracking",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        account = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if account is not None:
            page = care.account_page(account)
            extra.update(page)
            extra["care_permissions"] = _care_permissions(request.user)
            # Every field is read-only: no Save buttons on a page with nothing to save.
            extra.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
            extra["title"] = care.page_title(account, page["deletion"])
        return super().change_view(request, object_id, form_url, extra_context=extra)

    # --- care actions: permission, form, one service call, message ---------------------------------

    def _account_or_404(self, request, object_id, perm):
        if not (self.has_view_permission(request) and request.user.has_perm(perm)):
            raise PermissionDenied
        account = self.get_object(request, object_id)
        if account is None:
            raise Http404("No such account.")
        return account

    def _render(self, request, template, account, **context):
        return TemplateResponse(
            request,
            f"admin/care/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": account,
                "account": account,
                "change_url": reverse("admin:accounts_account_change", args=[account.pk]),
                **context,
            },
        )

    def delete_on_behalf_view(self, request, object_id):
        account = self._account_or_404(request, object_id, "audit.delete_on_behalf")
        change_url = reverse("admin:accounts_account_change", args=[account.pk])
        if account.is_deleted:
            messages.info(request, "This account is already deleted.")
            return redirect(change_url)
        plan = plan_deletion(account)
        form = DeleteOnBehalfForm(request.POST or None, initial={"fingerprint": plan.fingerprint})
        if request.method == "POST" and form.is_valid():
            try:
                care.delete_on_behalf(
                    account=account,
                    actor=request.user,
                    call_reference=form.cleaned_data["call_reference"],
                    expected_fingerprint=form.cleaned_data["fingerprint"],
                )
            except care.CareError as exc:
                messages.error(request, exc.message)
                form = DeleteOnBehalfForm(
                    initial={
                        "fingerprint": plan.fingerprint,
                        "call_reference": form.cleaned_data["call_reference"],
                    }
                )
            else:
                messages.success(
                    request, "The account is deleted. The receipt was emailed to the account's address."
                )
                return redirect(change_url)
        return self._render(
            request,
            "delete_on_behalf.html",
            account,
            plan=plan,
            form=form,
            title="Delete on the caller's behalf",
        )

    def address_view(self, request, object_id):
        account = self._account_or_404(request, object_id, "audit.edit_address_on_behalf")
        change_url = reverse("admin:accounts_account_change", args=[account.pk])
        address = Address.objects.filter(account=account).first()
        initial = {name: getattr(address, name) for name in ADDRESS_FIELDS} if address else {}
        update_form = AgentAddressForm(initial=initial, prefix="update")
        verify_form = VerifyAddressForm(initial={"shown": str(address) if address else ""}, prefix="verify")
        if request.method == "POST" and "verify-call_reference" in request.POST:
            verify_form = VerifyAddressForm(request.POST, prefix="verify")
            if verify_form.is_valid():
                try:
                    care.verify_address(account=account, actor=request.user, **verify_form.cleaned_data)
                except care.CareError as exc:
                    messages.error(request, exc.message)
                else:
                    messages.success(request, "The caller confirmed the mailing address.")
                    return redirect(change_url)
        elif request.method == "POST":
            update_form = AgentAddressForm(request.POST, prefix="update")
            if update_form.is_valid():
                try:
                    care.update_address(account=account, actor=request.user, **update_form.cleaned_data)
                except AddressInvalid as exc:
                    for name, message in exc.errors.items():
                        update_form.add_error(name, message)
                except care.CareError as exc:
                    messages.error(request, exc.message)
                else:
                    messages.success(request, "The mailing address is saved.")
                    return redirect(change_url)
        return self._render(
            request,
            "address.html",
            account,
            address=address,
            update_form=update_form,
            verify_form=verify_form,
            title="Mailing address",
        )

    def tracking_view(self, request, object_id):
        account = self._account_or_404(request, object_id, "audit.resend_tracking_link")
        change_url = reverse("admin:accounts_account_change", args=[account.pk])
        deletion = AccountDeletion.objects.filter(account=account).first()
        if deletion is None:
            messages.error(request, "This account is not deleted, so there is no refund to follow yet.")
            return redirect(change_url)
        form = ResendTrackingForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                sent_to = care.resend_tracking_link(
                    deletion=deletion, actor=request.user, **form.cleaned_data
                )
            except care.CareError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"The tracking link is on its way to {sent_to}.")
                return redirect(change_url)
        return self._render(
            request,
            "tracking.html",
            account,
            deletion=deletion,
            form=form,
            title="Send the refund tracking link",
        )


def _care_permissions(user) -> dict:
    return {
        "delete": user.has_perm("audit.delete_on_behalf"),
        "address": user.has_perm("audit.edit_address_on_behalf"),
        "tracking": user.has_perm("audit.resend_tracking_link"),
        "checks": user.has_perm("audit.manage_checks"),
    }


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


# Checks are registered read-only by refunds/admin.py; customer care adds its actions to the same page.
admin.site.unregister(Check)


@admin.register(Check)
class CheckCareAdmin(CheckAdmin):
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
        initial = {name: getattr(check, name) for name in ADDRESS_FIELDS} if action == "address" else {}
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


@admin.register(StuckWork)
class StuckWorkAdmin(ReadOnlyAdmin):
    """One page, no rows of its own: the lists of care.stuck."""

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("audit.view_stuckwork")

    def get_changelist(self, request, **kwargs):
        return AccountChangeList

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Stuck work",
            "lists": stuck.stuck_work(),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/audit/stuck_work.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect(reverse("admin:audit_stuckwork_changelist"))

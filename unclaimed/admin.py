from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import path, reverse

from accounts.addresses import AddressInvalid
from securus.admin_utils import ReadOnlyAdmin, action_page, money_column, object_for_action

from . import services
from .models import DormancyRule, HolderReport, UnclaimedItem


@admin.register(DormancyRule)
class DormancyRuleAdmin(admin.ModelAdmin):
    """Rules change by adding a row with a new effective date, so the history of what applied stays."""

    list_display = [
        "__str__",
        "state",
        "effective_from",
        "dormancy_years",
        "report_month",
        "report_day",
        "letter_min",
        "source",
    ]
    list_filter = ["state"]
    ordering = ["state", "-effective_from"]
    letter_min = money_column("letter_min_cents", "letter from")


class ClaimForm(forms.Form):
    call_reference = forms.CharField(
        max_length=64, required=False, help_text="The call's reference, if the owner called."
    )
    line1 = forms.CharField(label="Street address", max_length=100, required=False)
    line2 = forms.CharField(label="Apartment, suite, unit", max_length=100, required=False)
    city = forms.CharField(max_length=60, required=False)
    state = forms.CharField(max_length=20, required=False)
    zip_code = forms.CharField(label="ZIP code", max_length=10, required=False)
    owner_confirmed = forms.BooleanField(label="The owner answered and confirmed who they are.")


@admin.register(UnclaimedItem)
class UnclaimedItemAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "kind",
        "owner_name",
        "state",
        "amount",
        "arose_on",
        "last_activity_on",
        "status",
        "letter_sent_on",
        "report",
    ]
    list_filter = ["status", "kind", "state"]
    search_fields = ["owner_name", "=id", "account__user__email"]
    list_select_related = ["report"]
    change_form_template = "admin/unclaimed/unclaimeditem/change_form.html"
    amount = money_column("amount_cents", "amount")

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:object_id>/claim/", view(self.claim_view), name="unclaimed_unclaimeditem_claim"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {**(extra_context or {}), "can_claim": request.user.has_perm("audit.manage_unclaimed")}
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def claim_view(self, request, object_id):
        item = object_for_action(self, request, object_id, "audit.manage_unclaimed")
        change_url = reverse("admin:unclaimed_unclaimeditem_change", args=[item.pk])
        form = ClaimForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("owner_confirmed")
            reference = data.pop("call_reference")
            try:
                services.claim_item(
                    item=item,
                    actor=request.user,
                    channel="phone" if reference else "admin",
                    call_reference=reference,
                    **data,
                )
            except AddressInvalid as exc:
                for name, message in exc.errors.items():
                    form.add_error(name if name in form.fields else None, message)
            except services.UnclaimedError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "A new check is queued for the next check run.")
                return redirect(change_url)
        return action_page(
            self,
            request,
            "admin/unclaimed/claim.html",
            original=item,
            change_url=change_url,
            title="The owner answered: send a check",
            form=form,
        )


@admin.register(HolderReport)
class HolderReportAdmin(ReadOnlyAdmin):
    list_display = ["id", "state", "year", "created_at", "item_count", "total", "file"]
    list_filter = ["state", "year"]
    total = money_column("total_cents", "total")

from django import forms
from django.contrib import admin, messages
from django.db.models import OuterRef, Subquery
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone

from securus.admin_utils import ReadOnlyAdmin, action_page, money_column, object_for_action
from securus.closer_types import local_today
from securus.money import dollars

from .clock import with_clock
from .keep import KeepError, keep_account
from .models import InactiveBalance, InactivityClosure, InactivityNotice, InactivityRule, KeepRequest
from .rules import rules_on


@admin.register(InactivityRule)
class InactivityRuleAdmin(admin.ModelAdmin):
    """Rules change by adding a row with a new effective date, so the history of what applied stays."""

    list_display = ["__str__", "state", "effective_from", "inactivity_days", "notice_days", "source"]
    list_filter = ["state"]
    ordering = ["state", "-effective_from"]


class KeepForm(forms.Form):
    call_reference = forms.CharField(
        max_length=64, help_text="The reference of this call in the phone system (required)."
    )
    holder_asked = forms.BooleanField(
        label="The holder asked on this call to keep the AdvanceConnect account."
    )


@admin.register(InactiveBalance)
class InactiveBalanceAdmin(ReadOnlyAdmin):
    """Each AdvanceConnect account's inactivity: its clock, the notice sent, the refund or hold. Agents
    record here that the holder asked to keep the account (audited)."""

    list_display = [
        "account",
        "email",
        "status",
        "address_state",
        "last_activity",
        "days_inactive",
        "balance_now",
        "notice",
        "outcome",
    ]
    list_filter = ["status"]
    search_fields = ["account__user__email", "account__name"]
    list_select_related = ["account__user", "inactivity_closure"]
    change_form_template = "admin/inactivity/inactivebalance/change_form.html"
    fields = ["account", "status", "opened_at", "closed_at"]

    def get_queryset(self, request):
        latest = InactivityNotice.objects.filter(prepaid_account=OuterRef("pk")).order_by("-sent_at")
        return with_clock(super().get_queryset(request)).annotate(
            notice_sent_at=Subquery(latest.values("sent_at")[:1]),
            notice_action_on=Subquery(latest.values("action_on")[:1]),
        )

    @admin.display(description="email")
    def email(self, obj):
        return getattr(obj.account.user, "email", "")

    @admin.display(description="state", ordering="state")
    def address_state(self, obj):
        return obj.state or "(no address)"

    @admin.display(description="last activity", ordering="last_activity_at")
    def last_activity(self, obj):
        return obj.last_activity_at

    @admin.display(description="days inactive")
    def days_inactive(self, obj):
        return (timezone.now() - obj.last_activity_at).days

    @admin.display(description="balance", ordering="balance")
    def balance_now(self, obj):
        return dollars(obj.balance)

    @admin.display(description="notice", ordering="notice_sent_at")
    def notice(self, obj):
        if obj.notice_sent_at is None:
            return "-"
        return f"sent {obj.notice_sent_at:%Y-%m-%d}, action {obj.notice_action_on:%Y-%m-%d}"

    @admin.display(description="refund")
    def outcome(self, obj):
        closure = getattr(obj, "inactivity_closure", None)
        if closure is None:
            return "-"
        text = f"{dollars(closure.refunded_cents)} refunded"
        return text + (
            f", {dollars(closure.held_cents)} held as unclaimed property" if closure.held_cents else ""
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:object_id>/keep/", view(self.keep_view), name="inactivity_inactivebalance_keep"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if obj is not None:
            default, by_state = rules_on(local_today(timezone.now()))
            extra.update(
                clock=obj,
                rule=by_state.get(obj.state, default),
                notices=InactivityNotice.objects.filter(prepaid_account=obj).order_by("-sent_at"),
                keeps=KeepRequest.objects.filter(prepaid_account=obj).order_by("-at")[:20],
                closure=InactivityClosure.objects.filter(prepaid_account=obj)
                .prefetch_related("refunds")
                .first(),
                can_record_keep=request.user.has_perm("audit.record_inactivity_keep"),
            )
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def keep_view(self, request, object_id):
        prepaid = object_for_action(self, request, object_id, "audit.record_inactivity_keep")
        change_url = reverse("admin:inactivity_inactivebalance_change", args=[prepaid.pk])
        form = KeepForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                keep_account(
                    prepaid=prepaid,
                    channel=KeepRequest.Channel.PHONE,
                    actor=request.user,
                    call_reference=form.cleaned_data["call_reference"],
                )
            except KeepError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "Recorded: the inactivity clock starts again today.")
                return redirect(change_url)
        return action_page(
            self,
            request,
            "admin/inactivity/keep.html",
            original=prepaid,
            change_url=change_url,
            title="The holder asked to keep the account",
            form=form,
        )


@admin.register(InactivityNotice)
class InactivityNoticeAdmin(ReadOnlyAdmin):
    list_display = ["prepaid_account", "sent_at", "clock_at", "amount", "action_on"]
    search_fields = ["prepaid_account__account__user__email"]
    date_hierarchy = "sent_at"
    amount = money_column("amount_cents", "amount")


@admin.register(InactivityClosure)
class InactivityClosureAdmin(ReadOnlyAdmin):
    list_display = ["prepaid_account", "closed_at", "amount", "refunded", "held", "unclaimed_item"]
    date_hierarchy = "closed_at"
    amount = money_column("amount_cents", "balance")
    refunded = money_column("refunded_cents", "refunded")
    held = money_column("held_cents", "held")

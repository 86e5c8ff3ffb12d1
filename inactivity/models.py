from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from prepaid.models import PrepaidAccount


class InactivityRule(models.Model):
    """How long an AdvanceConnect balance may sit untouched before it is refunded, and how much notice the
    holder gets. A blank state is the default; a state's own rule (a longer period set by state law)
    wins for accounts whose address is in that state. The rule in force on a day is the one with the
    latest `effective_from` on or before it, so a change of law is a new row, not an edit."""

    state = models.CharField(max_length=2, blank=True, help_text="Blank: every state without its own rule.")
    effective_from = models.DateField()
    inactivity_days = models.PositiveSmallIntegerField(default=180)
    notice_days = models.PositiveSmallIntegerField(default=30)
    source = models.CharField(max_length=300, blank=True, help_text="Where the numbers come from.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["state", "effective_from"], name="inactivity_rule_state_date_uniq"
            ),
            models.CheckConstraint(
                condition=Q(notice_days__lt=models.F("inactivity_days")),
                name="inactivity_notice_before_action",
            ),
            # 47 CFR 64.6130: nothing is disposed of before 180 continuous days of inactivity.
            models.CheckConstraint(condition=Q(inactivity_days__gte=180), name="inactivity_at_least_180"),
        ]

    def __str__(self):
        return f"{self.state or 'Default'} from {self.effective_from}: {self.inactivity_days} days"


class KeepRequest(models.Model):
    """The holder said they want to keep the account: it restarts the inactivity clock."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Link in the notice email"
        PHONE = "phone", "Customer care (phone)"

    prepaid_account = models.ForeignKey(
        PrepaidAccount, on_delete=models.PROTECT, related_name="keep_requests"
    )
    at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    call_reference = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [
            # Inactivity clock: MAX(at) by prepaid_account.
            models.Index(fields=["prepaid_account", "-at"], name="keep_account_recent_idx"),
        ]

    def __str__(self):
        return f"Keep request ({self.get_channel_display()}) at {self.at:%Y-%m-%d %H:%M}"


class InactivityNotice(models.Model):
    """The one notice of an inactive period. `clock_at` is the last activity it was sent for: a new
    period (activity after the notice) gets its own notice; the same period never gets a second."""

    prepaid_account = models.ForeignKey(
        PrepaidAccount, on_delete=models.PROTECT, related_name="inactivity_notices"
    )
    clock_at = models.DateTimeField(help_text="The last activity this notice counts from.")
    sent_at = models.DateTimeField()
    amount_cents = models.IntegerField()
    route = models.CharField(max_length=300)
    action_on = models.DateField(help_text="The day the balance will be refunded unless the holder acts.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["prepaid_account", "clock_at"], name="inactivity_notice_once_uniq"
            ),
        ]

    def __str__(self):
        return f"Inactivity notice {self.sent_at:%Y-%m-%d} for {self.prepaid_account}"


class InactivityClosure(models.Model):
    """An AdvanceConnect account closed for inactivity: its balance refunded, or held as unclaimed
    property when there was no address to mail a check to. The Securus Online account stays open."""

    prepaid_account = models.OneToOneField(
        PrepaidAccount, on_delete=models.PROTECT, related_name="inactivity_closure"
    )
    notice = models.OneToOneField(InactivityNotice, on_delete=models.PROTECT, related_name="closure")
    closed_at = models.DateTimeField()
    amount_cents = models.PositiveIntegerField(help_text="The balance at closure.")
    refunded_cents = models.PositiveIntegerField(default=0)
    held_cents = models.PositiveIntegerField(default=0)
    refunds = models.ManyToManyField("refunds.Refund", blank=True, related_name="+")
    unclaimed_item = models.OneToOneField(
        "unclaimed.UnclaimedItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_cents=models.F("refunded_cents") + models.F("held_cents")),
                name="inactivity_closure_conserves_money",
            ),
        ]

    def __str__(self):
        return f"Closed for inactivity {self.closed_at:%Y-%m-%d}: {self.prepaid_account}"


class InactiveBalance(PrepaidAccount):
    """AdvanceConnect accounts seen by their inactivity: the admin's list for operations and agents."""

    class Meta:
        proxy = True
        verbose_name = "AdvanceConnect inactivity"
        verbose_name_plural = "AdvanceConnect inactivity"

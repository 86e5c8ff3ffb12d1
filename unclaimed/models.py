from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Account
from refunds.models import Check


class DormancyRule(models.Model):
    """When unclaimed money is presumed abandoned in a state, and when its owner must be written to first.
    A blank state is the default for every state without its own rule; the rule in force on a day is the
    one with the latest `effective_from` on or before it."""

    state = models.CharField(max_length=2, blank=True, help_text="Blank: every state without its own rule.")
    effective_from = models.DateField()
    dormancy_years = models.PositiveSmallIntegerField(default=3)
    report_month = models.PositiveSmallIntegerField(default=11, help_text="Annual holder report due date.")
    report_day = models.PositiveSmallIntegerField(default=1)
    letter_min_cents = models.PositiveIntegerField(
        default=5000, help_text="Owners of items of at least this amount get a due-diligence letter."
    )
    letter_days_before_max = models.PositiveSmallIntegerField(default=120)
    letter_days_before_min = models.PositiveSmallIntegerField(default=60)
    source = models.CharField(max_length=300, blank=True, help_text="Where the numbers come from.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["state", "effective_from"], name="dormancy_rule_state_date_uniq"),
            models.CheckConstraint(
                condition=Q(letter_days_before_max__gte=models.F("letter_days_before_min")),
                name="dormancy_letter_window_order",
            ),
            models.CheckConstraint(
                condition=Q(report_month__gte=1, report_month__lte=12), name="dormancy_month"
            ),
            models.CheckConstraint(condition=Q(report_day__gte=1, report_day__lte=28), name="dormancy_day"),
        ]

    def __str__(self):
        return f"{self.state or 'Default'} from {self.effective_from}: {self.dormancy_years} years"


class HolderReport(models.Model):
    """One annual report of unclaimed property to one state. Its items are marked with it, so nothing is
    reported twice; writing the same state and year again rewrites the same file from the same items."""

    state = models.CharField(max_length=2)
    year = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    item_count = models.PositiveIntegerField(default=0)
    total_cents = models.PositiveIntegerField(default=0)
    file = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["state", "year"], name="holder_report_state_year_uniq")
        ]

    def __str__(self):
        return f"{self.state} holder report {self.year} (#{self.pk})"


class UnclaimedItem(models.Model):
    """Money owed to someone who could not be paid: a check voided uncashed, a check USPS returned with no
    new address, or a prepaid balance with no address to mail it to. The owner's name and last known
    address are kept on it because unclaimed-property law requires them in the report."""

    class Kind(models.TextChoices):
        STALE_CHECK = "stale_check", "Check voided uncashed"
        RETURNED_CHECK = "returned_check", "Check returned undeliverable"
        HELD_BALANCE = "held_balance", "Prepaid balance with no address"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for the owner"
        LETTER_SENT = "letter_sent", "Due-diligence letter sent"
        CLAIMED = "claimed", "Claimed: check reissued"
        RESOLVED = "resolved", "Paid another way"
        REMITTED = "remitted", "Reported and remitted to the state"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    source_key = models.CharField(max_length=80, unique=True, help_text="One item per source, ever.")
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="unclaimed_items"
    )
    check_payment = models.OneToOneField(
        Check, null=True, blank=True, on_delete=models.PROTECT, related_name="unclaimed_item"
    )
    owner_name = models.CharField(max_length=150)
    line1 = models.CharField(max_length=100, blank=True)
    line2 = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=60, blank=True)
    state = models.CharField(max_length=2, help_text="Owner's last known state, or the holder's own state.")
    zip_code = models.CharField(max_length=10, blank=True)
    amount_cents = models.PositiveIntegerField()
    arose_on = models.DateField(help_text="When the money became unpayable.")
    last_activity_on = models.DateField(help_text="The owner's last activity; dormancy runs from here.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    letter_sent_on = models.DateField(null=True, blank=True)
    letter_file = models.CharField(max_length=300, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    reissued_check = models.OneToOneField(
        Check, null=True, blank=True, on_delete=models.PROTECT, related_name="claims_item"
    )
    report = models.ForeignKey(
        HolderReport, null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="unclaimed_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status="remitted") | Q(report__isnull=False),
                name="unclaimed_remitted_has_report",
            ),
        ]
        indexes = [
            # Letters and reports: items still owed, by state and age.
            models.Index(
                fields=["state", "last_activity_on"],
                condition=Q(status__in=["open", "letter_sent"]),
                name="unclaimed_owed_idx",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} for {self.owner_name}"

    def address_lines(self):
        return [
            p for p in [self.line1, self.line2, f"{self.city}, {self.state} {self.zip_code}".strip(", ")] if p
        ]

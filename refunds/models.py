from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Account


class Refund(models.Model):
    """Money owed back to a family member, paid to a card or by mailed check."""

    class Method(models.TextChoices):
        CARD = "card", "Card"
        CHECK = "check", "Mailed check"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUBMITTED = "submitted", "Sent to the card issuer"
        SUCCEEDED = "succeeded", "Refunded to the card"
        FAILED = "failed", "Card refund failed"
        REPLACED = "replaced", "Replaced by a check"
        CHECK_QUEUED = "check_queued", "Check being prepared"
        CHECK_PRINTED = "check_printed", "Check printed"
        CHECK_MAILED = "check_mailed", "Check mailed"
        CHECK_VOIDED = "check_voided", "Check voided"
        CHECK_RETURNED = "check_returned", "Check returned by USPS"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="refunds")
    deletion = models.ForeignKey(
        "deletion.AccountDeletion", null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    service = models.CharField(max_length=12, default="prepaid")
    amount_cents = models.PositiveIntegerField()
    method = models.CharField(max_length=6, choices=Method.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    payment = models.ForeignKey(
        "prepaid.Payment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
        help_text="The card charge refunded (card refunds only).",
        db_index=False,  # refund_payment_idx: card refunds only
    )
    card_brand = models.CharField(max_length=16, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    expected_from = models.DateField()
    expected_to = models.DateField()
    idempotency_key = models.CharField(max_length=80)  # unique: refund_idempotency_key_uniq
    stripe_refund_id = models.CharField(max_length=64, blank=True)
    failure_reason = models.CharField(max_length=200, blank=True)
    # Replaced at most once, by one check refund (refund_replaced_by_once): only the few replaced refunds
    # are in its index, not every refund ever issued.
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # First time this card refund was sent to Stripe: a later send asks Stripe what the first one did.
    first_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(expected_to__gte=models.F("expected_from")), name="refund_dates_order"
            ),
            models.CheckConstraint(
                condition=Q(method="check") | Q(payment__isnull=False), name="refund_card_has_charge"
            ),
            models.UniqueConstraint(
                fields=["stripe_refund_id"], condition=~Q(stripe_refund_id=""), name="refund_stripe_uniq"
            ),
            # A constraint rather than unique=True, which adds a second (LIKE pattern) index nobody uses,
            # written at every status change of every refund.
            models.UniqueConstraint(fields=["idempotency_key"], name="refund_idempotency_key_uniq"),
            models.UniqueConstraint(
                fields=["replaced_by"], condition=Q(replaced_by__isnull=False), name="refund_replaced_by_once"
            ),
        ]
        indexes = [
            # Sweep: card refunds still pending, oldest first.
            models.Index(fields=["created_at"], condition=Q(status="pending"), name="refund_pending_idx"),
            # A charge's refunds. Check refunds have no charge and stay out of it: a check run changes
            # thousands of refunds, and each change writes an entry in every index that holds the row.
            models.Index(fields=["payment"], condition=Q(payment__isnull=False), name="refund_payment_idx"),
        ]

    def __str__(self):
        return f"Refund #{self.pk} by {self.get_method_display()}"


class RefundEvent(models.Model):
    """The refund's timeline, shown on the tracking page."""

    # No index of its own: refundevent_timeline_idx starts with it.
    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="events", db_index=False)
    at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=Refund.Status.choices)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["refund", "at"], name="refundevent_timeline_idx")]  # tracking page

    def __str__(self):
        return f"{self.get_status_display()} at {self.at:%Y-%m-%d %H:%M}"


class CheckRun(models.Model):
    """A batch of checks numbered, printed and sent to the bank's positive-pay file together."""

    class Status(models.TextChoices):
        OPEN = "open", "Numbering"
        PRINTED = "printed", "Printed"
        MAILED = "mailed", "Mailed"

    run_date = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    check_count = models.PositiveIntegerField(default=0)
    total_cents = models.PositiveIntegerField(default=0)
    positive_pay_file = models.CharField(max_length=300, blank=True)
    register_file = models.CharField(max_length=300, blank=True)

    def __str__(self):
        return f"Check run {self.run_date} #{self.pk}"


class Check(models.Model):
    """A mailed refund check, addressed to the snapshot taken when it was owed."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PRINTED = "printed", "Printed"
        MAILED = "mailed", "Mailed"
        CASHED = "cashed", "Cashed"
        VOIDED = "voided", "Voided"
        RETURNED = "returned", "Returned by USPS"

    refund = models.OneToOneField(Refund, on_delete=models.PROTECT, related_name="check_payment")
    amount_cents = models.PositiveIntegerField()
    payee = models.CharField(max_length=150)
    line1 = models.CharField(max_length=100)
    line2 = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=60)
    state = models.CharField(max_length=2)
    zip_code = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    check_number = models.PositiveIntegerField(null=True, blank=True, unique=True)
    check_run = models.ForeignKey(
        CheckRun, null=True, blank=True, on_delete=models.PROTECT, related_name="checks"
    )
    issue_date = models.DateField(null=True, blank=True)
    void_after = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    printed_at = models.DateTimeField(null=True, blank=True)
    mailed_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_run = models.ForeignKey(
        CheckRun,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="voided_checks",
        help_text="The check run whose positive-pay file told the bank this check is void.",
        db_index=False,  # check_void_run_idx: voided checks only
    )
    reissue_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reissued_as"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="check_amount_positive"),
        ]
        indexes = [
            # Check run: queued checks, oldest first.
            models.Index(fields=["created_at"], condition=Q(status="queued"), name="check_queued_idx"),
            # Stale-check job: mailed checks past their void-after date.
            models.Index(fields=["void_after"], condition=Q(status="mailed"), name="check_stale_idx"),
            # A run's voids. The few voided checks only: every check changes three times in its run.
            models.Index(fields=["void_run"], condition=Q(void_run__isnull=False), name="check_void_run_idx"),
            # Check run: voids not yet told to the bank, without scanning every check ever written.
            models.Index(
                fields=["check_number"],
                condition=Q(status="voided", void_run__isnull=True),
                name="check_void_unreported_idx",
            ),
        ]

    def __str__(self):
        return f"Check {self.check_number or '(unnumbered)'} for {self.payee}"

    def address_lines(self):
        return address_lines(self)


def address_lines(address) -> list[str]:
    """The printed lines of a mailing address, from anything with the address fields (a Check, or a row of
    a check run read without models)."""
    return [
        p for p in [address.line1, address.line2, f"{address.city}, {address.state} {address.zip_code}"] if p
    ]


class StripeEvent(models.Model):
    """Webhook events already handled: a repeated event id is ignored."""

    event_id = models.CharField(max_length=80, unique=True)
    type = models.CharField(max_length=80)
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.type} {self.event_id}"


def deletion_model():
    """The deletion app's AccountDeletion, reached through Refund.deletion: refunds sits below the
    deletion app and never imports it."""
    return Refund._meta.get_field("deletion").related_model

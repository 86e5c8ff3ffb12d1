from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.models import Account


class PrepaidAccount(models.Model):
    """AdvanceConnect: prepaid calling. The balance is the sum of the ledger."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="prepaid")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "AdvanceConnect account"

    def __str__(self):
        return f"AdvanceConnect #{self.pk}"

    def balance_cents(self) -> int:
        return self.ledger.aggregate(total=Sum("amount_cents"))["total"] or 0


class PhoneNumber(models.Model):
    prepaid_account = models.ForeignKey(
        PrepaidAccount, on_delete=models.CASCADE, related_name="phone_numbers"
    )
    number = models.CharField(
        max_length=16,
        help_text="A phone number this balance pays calls to, stored as +1 and ten digits (+12145550100).",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prepaid_account", "number"], name="phone_unique_per_account"),
        ]
        indexes = [
            # Agents find an account by the caller's number; the suffix search uses the trigram index.
            models.Index(fields=["number"], name="phone_number_idx"),
        ]

    def __str__(self):
        return self.number


class PaymentMethod(models.TextChoices):
    CARD = "card", "Card online"
    CARD_PHONE = "card_phone", "Card by phone"
    WESTERN_UNION = "western_union", "Western Union"
    MONEYGRAM = "moneygram", "MoneyGram"
    MAIL = "mail", "Payment by mail"
    KIOSK = "kiosk", "Kiosk"


CARD_METHODS = frozenset({PaymentMethod.CARD, PaymentMethod.CARD_PHONE})


class Payment(models.Model):
    """Money added to the prepaid balance. Cards are stored by brand and last4 only."""

    prepaid_account = models.ForeignKey(PrepaidAccount, on_delete=models.PROTECT, related_name="payments")
    created_at = models.DateTimeField(default=timezone.now)
    amount_cents = models.PositiveIntegerField()
    method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    card_brand = models.CharField(max_length=16, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    card_fingerprint = models.CharField(
        max_length=64, blank=True, help_text="Identifies the card across charges without its number."
    )
    stripe_charge_id = models.CharField(
        max_length=64,
        blank=True,
        help_text="Stripe's reference for this charge: a card refund is sent against it.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="payment_amount_positive"),
            models.UniqueConstraint(
                fields=["stripe_charge_id"], condition=~Q(stripe_charge_id=""), name="payment_charge_uniq"
            ),
        ]
        indexes = [
            # "Last purchase" and the newest-first card allocation at deletion.
            models.Index(fields=["prepaid_account", "-created_at"], name="payment_account_recent_idx"),
        ]

    def __str__(self):
        return f"{self.get_method_display()} payment #{self.pk}"

    @property
    def is_card(self):
        return self.method in CARD_METHODS


class Call(models.Model):
    """A call paid from the prepaid balance; `posted` once its charge is in the ledger."""

    # No index of its own: call_account_recent_idx starts with it.
    prepaid_account = models.ForeignKey(
        PrepaidAccount, on_delete=models.PROTECT, related_name="calls", db_index=False
    )
    started_at = models.DateTimeField(default=timezone.now)
    number = models.CharField(max_length=16)
    charge_cents = models.PositiveIntegerField()
    posted = models.BooleanField(default=False)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # Unposted calls of the last 24 hours, deducted at deletion.
            models.Index(
                fields=["prepaid_account", "started_at"], condition=Q(posted=False), name="call_unposted_idx"
            ),
            # Inactivity clock: the latest call of each account, MAX(started_at) by prepaid_account.
            models.Index(fields=["prepaid_account", "-started_at"], name="call_account_recent_idx"),
        ]

    def __str__(self):
        return f"Call to {self.number} at {self.started_at:%Y-%m-%d %H:%M}"


class Enrolment(models.Model):
    """TextPay or AutoPay on an AdvanceConnect account; ended at deletion."""

    class Kind(models.TextChoices):
        TEXTPAY = "textpay", "TextPay"
        AUTOPAY = "autopay", "AutoPay"

    prepaid_account = models.ForeignKey(PrepaidAccount, on_delete=models.CASCADE, related_name="enrolments")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["prepaid_account", "kind"],
                condition=Q(ended_at__isnull=True),
                name="enrolment_one_active",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({'active' if self.ended_at is None else 'ended'})"


class LedgerEntry(models.Model):
    """Every change of a prepaid balance: + payments, - posted calls, - refunds, - balances held as
    unclaimed property (no address to mail a check to)."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", "Payment"
        CALL = "call", "Call charge"
        REFUND = "refund", "Refund at closure"
        ADJUSTMENT = "adjustment", "Adjustment"
        HELD = "held", "Held as unclaimed property"

    # No index of its own: ledger_account_idx starts with it.
    prepaid_account = models.ForeignKey(
        PrepaidAccount, on_delete=models.PROTECT, related_name="ledger", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    amount_cents = models.IntegerField(
        help_text="Money added (payments) is positive; money taken (calls, refunds) is negative."
    )
    # At most one entry per payment, call or refund (ledger_*_once). Each entry names at most one of them,
    # so their unique indexes hold only the entries that do: a refund closing an account writes one
    # entry per charge, and each would otherwise add two NULL keys to two indexes.
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    call = models.ForeignKey(
        Call, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    refund = models.ForeignKey(
        "refunds.Refund", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    memo = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="payment") | Q(amount_cents__gt=0, payment__isnull=False),
                name="ledger_payment_is_credit",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["call", "refund", "held"]) | Q(amount_cents__lt=0),
                name="ledger_debits_negative",
            ),
            models.UniqueConstraint(
                fields=["payment"], condition=Q(payment__isnull=False), name="ledger_payment_once"
            ),
            models.UniqueConstraint(
                fields=["call"], condition=Q(call__isnull=False), name="ledger_call_once"
            ),
            models.UniqueConstraint(
                fields=["refund"], condition=Q(refund__isnull=False), name="ledger_refund_once"
            ),
        ]
        indexes = [
            # Balance: SUM(amount_cents) WHERE prepaid_account_id = %s.
            models.Index(fields=["prepaid_account", "created_at"], name="ledger_account_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount_cents}"

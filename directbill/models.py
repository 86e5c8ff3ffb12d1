from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Account


class DirectBillAccount(models.Model):
    """Post-paid calling: billed monthly after use."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSING = "closing", "Closing (held)"
        CLOSED = "closed", "Closed"

    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="directbill")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    phone_number = models.CharField(
        max_length=16,
        blank=True,
        help_text="The phone number whose calls this account pays for, stored as +1 and ten digits.",
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "Direct Bill account"
        indexes = [
            # Customer care's search by the whole number (the last 7 digits: directbill_phone_trgm).
            models.Index(fields=["phone_number"], name="directbill_phone_idx"),
        ]

    def __str__(self):
        return f"Direct Bill #{self.pk}"


class Statement(models.Model):
    directbill_account = models.ForeignKey(
        DirectBillAccount, on_delete=models.PROTECT, related_name="statements"
    )
    statement_date = models.DateField()
    due_date = models.DateField()
    total_cents = models.PositiveIntegerField()
    is_final = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(due_date__gte=models.F("statement_date")), name="statement_due_after"
            ),
            models.UniqueConstraint(
                fields=["directbill_account"], condition=Q(is_final=True), name="statement_one_final"
            ),
        ]
        indexes = [
            # email_final_statements: final statements not yet emailed.
            models.Index(
                fields=["id"],
                condition=Q(is_final=True, emailed_at__isnull=True),
                name="statement_unsent_idx",
            ),
        ]

    def __str__(self):
        return f"Statement {self.statement_date} ({'final' if self.is_final else 'monthly'})"


class Charge(models.Model):
    directbill_account = models.ForeignKey(
        DirectBillAccount, on_delete=models.PROTECT, related_name="charges"
    )
    created_at = models.DateTimeField(default=timezone.now)
    description = models.CharField(max_length=120, blank=True)
    amount_cents = models.PositiveIntegerField()
    statement = models.ForeignKey(
        Statement, null=True, blank=True, on_delete=models.PROTECT, related_name="charges"
    )
    paid = models.BooleanField(
        default=False, help_text="Billed and paid; unpaid billed charges are outstanding."
    )

    class Meta:
        indexes = [
            # Unbilled charges of one account, billed into the final statement.
            models.Index(
                fields=["directbill_account"], condition=Q(statement__isnull=True), name="charge_unbilled_idx"
            ),
        ]

    def __str__(self):
        return f"Charge {self.amount_cents}"

    @property
    def billed(self):
        return self.statement_id is not None


class ClosureRequest(models.Model):
    """A Direct Bill closure, held 7 to 10 calendar days so late charges can clear."""

    class Status(models.TextChoices):
        HELD = "held", "Held"
        CLOSED = "closed", "Closed"

    directbill_account = models.OneToOneField(
        DirectBillAccount, on_delete=models.PROTECT, related_name="closure_request"
    )
    deletion = models.ForeignKey(
        "deletion.AccountDeletion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    close_after = models.DateField()
    close_by = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.HELD)
    closed_at = models.DateTimeField(null=True, blank=True)
    final_statement = models.OneToOneField(
        Statement, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overdue_reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(close_by__gte=models.F("close_after")), name="closure_window_order"
            ),
        ]
        indexes = [
            # The daily job: held requests whose hold has passed, in the order it claims them (so a batch
            # reads its own rows from the index instead of sorting every due request).
            models.Index(fields=["close_after", "id"], condition=Q(status="held"), name="closure_due_idx"),
        ]

    def __str__(self):
        return f"Closure of {self.directbill_account} ({self.get_status_display()})"

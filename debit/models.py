from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Account
from facilities.models import IncarceratedPerson


class DebitAccount(models.Model):
    """Securus Debit: owned by the incarcerated person; family members only deposit into it."""

    owner = models.OneToOneField(IncarceratedPerson, on_delete=models.PROTECT, related_name="debit_account")
    opened_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Debit account of {self.owner.name}"


class DebitLink(models.Model):
    """A family member's link to a debit account, ended at deletion."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="debit_links")
    debit_account = models.ForeignKey(DebitAccount, on_delete=models.PROTECT, related_name="links")
    linked_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "debit_account"],
                condition=Q(ended_at__isnull=True),
                name="debitlink_one_active",
            ),
        ]

    def __str__(self):
        return f"{self.account} → {self.debit_account}"


class Deposit(models.Model):
    """Money a family member put into an incarcerated person's debit account; it belongs to that person."""

    debit_account = models.ForeignKey(DebitAccount, on_delete=models.PROTECT, related_name="deposits")
    depositor = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="debit_deposits")
    created_at = models.DateTimeField(default=timezone.now)
    amount_cents = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="deposit_amount_positive"),
        ]
        indexes = [
            # Sum of one family member's deposits (account page, deletion preview).
            models.Index(fields=["depositor", "debit_account"], name="deposit_depositor_idx"),
        ]

    def __str__(self):
        return f"Deposit {self.amount_cents}"

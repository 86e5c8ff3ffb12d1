from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.models import Account


class StampEntry(models.Model):
    """eMessaging stamps: the balance is the sum of this ledger."""

    class Kind(models.TextChoices):
        PURCHASE = "purchase", "Purchase"
        USED = "used", "Used on a message"
        FORFEITED = "forfeited", "Forfeited at closure"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="stamp_entries")
    created_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    stamps = models.IntegerField(
        help_text="Stamps bought are positive; stamps used or forfeited are negative."
    )

    class Meta:
        verbose_name_plural = "stamp entries"
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="purchase", stamps__gt=0) | (~Q(kind="purchase") & Q(stamps__lt=0))),
                name="stamp_sign_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["account"], condition=Q(kind="forfeited"), name="stamp_one_forfeit"
            ),
        ]
        indexes = [
            # Stamp balance: SUM(stamps) WHERE account_id = %s.
            models.Index(fields=["account"], name="stamp_account_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.stamps}"

    @classmethod
    def balance(cls, account) -> int:
        return cls.objects.filter(account=account).aggregate(total=Sum("stamps"))["total"] or 0

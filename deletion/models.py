"""A deletion and what it did to each service. The tables were created under accounts/ and keep their names."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Account


def new_tracking_key() -> str:
    return secrets.token_urlsafe(32)


class AccountDeletion(models.Model):
    """One per deleted account: who deleted it, how, and when. Deleting twice returns this row."""

    class Channel(models.TextChoices):
        WEB = "web", "Website"
        APP = "app", "Mobile app"
        PHONE = "phone", "Customer care (phone)"

    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="deletion")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(
        max_length=254, blank=True, help_text="Who acted, kept after the user goes."
    )
    call_reference = models.CharField(max_length=64, blank=True)
    holder_name = models.CharField(max_length=150, blank=True, help_text="Payee name for checks still owed.")
    contact_email = models.EmailField(
        blank=True,
        help_text="Kept only while money still moves (refund status emails, the Direct Bill final statement).",
    )
    # What still needs contact_email ("refunds", "directbill"); it is erased when the last one lets go.
    contact_kept_for = models.JSONField(default=list, blank=True)
    refunds_settled_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last refund reached a final state (or none was owed)."
    )
    # The refund tracking link's token: random, so it names no id and cannot be guessed or derived.
    tracking_key = models.CharField(max_length=64, unique=True, default=new_tracking_key, editable=False)
    mailing_address = models.JSONField(
        default=dict,
        blank=True,
        help_text="Address snapshot kept only while a refund may still become a mailed check.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "accounts_accountdeletion"  # the table kept its name when the model moved here
        indexes = [
            # Admin list and reports, newest first.
            models.Index(fields=["-created_at"], name="deletion_created_idx"),
        ]

    def __str__(self):
        return f"Deletion #{self.pk} ({self.get_channel_display()})"


class ServiceClosure(models.Model):
    """What deletion did to one service; `outcome` is that service's part of the deletion report."""

    class Service(models.TextChoices):
        PREPAID = "prepaid", "AdvanceConnect"
        DIRECTBILL = "directbill", "Direct Bill"
        DEBIT = "debit", "Securus Debit"
        MESSAGING = "messaging", "eMessaging"
        VIDEO = "video", "VideoConnect"

    deletion = models.ForeignKey(AccountDeletion, on_delete=models.CASCADE, related_name="closures")
    service = models.CharField(max_length=12, choices=Service.choices)
    outcome = models.JSONField(default=dict)
    closed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "accounts_serviceclosure"
        constraints = [
            models.UniqueConstraint(fields=["deletion", "service"], name="closure_one_per_service"),
        ]

    def __str__(self):
        return f"{self.get_service_display()} closed"

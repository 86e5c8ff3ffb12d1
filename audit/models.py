"""The audit trail: one row per deletion and per agent or operations action. Append-only: the model and
its queryset refuse updates and deletes, and a database trigger refuses them for anyone who goes around
Django (raw SQL, a superuser's shell)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    """An audit row was about to be changed or removed."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        ACCOUNT_DELETED = "account_deleted", "Account deleted"
        ADDRESS_UPDATED = "address_updated", "Mailing address updated"
        ADDRESS_VERIFIED = "address_verified", "Mailing address verified with the caller"
        TRACKING_LINK_SENT = "tracking_link_sent", "Refund tracking link sent again"
        CHECK_RETURNED = "check_returned", "Check marked returned by USPS"
        CHECK_ADDRESS_UPDATED = "check_address_updated", "Check address updated"
        CHECK_REISSUED = "check_reissued", "Check reissued"
        CLOSURE_HOLD_ENDED = "closure_hold_ended", "Direct Bill hold ended early"
        INACTIVITY_KEEP = "inactivity_keep", "Holder asked to keep the prepaid account"
        UNCLAIMED_CLAIMED = "unclaimed_claimed", "Owner claimed unclaimed property"

    class Channel(models.TextChoices):
        WEB = "web", "Website"
        APP = "app", "Mobile app"
        PHONE = "phone", "Customer care (phone)"
        ADMIN = "admin", "Admin (operations)"
        SYSTEM = "system", "Scheduled job"

    at = models.DateTimeField(default=timezone.now)
    # PROTECT: a staff user with audit rows is deactivated, never deleted, so the trail keeps its name.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True, help_text="Who acted, as known at the time.")
    action = models.CharField(max_length=32, choices=Action.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    call_reference = models.CharField(max_length=64, blank=True)
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    object_type = models.CharField(
        max_length=64, help_text="The kind of record acted on, for example refunds.check."
    )
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            # The account page's trail and the admin list, newest first.
            models.Index(fields=["account", "-at"], name="audit_account_at_idx"),
            models.Index(fields=["-at"], name="audit_at_idx"),
        ]
        permissions = [
            ("delete_on_behalf", "Can delete an account on the caller's behalf"),
            ("edit_address_on_behalf", "Can update and verify an address on the caller's behalf"),
            ("resend_tracking_link", "Can send the refund tracking link again"),
            ("manage_checks", "Can mark checks returned, correct their address and reissue them"),
            ("record_inactivity_keep", "Can record that the holder asked to keep an AdvanceConnect account"),
            ("manage_unclaimed", "Can reissue a check to an owner who claims unclaimed property"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} by {self.actor_label or 'system'} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events cannot be deleted.")


class StuckWork(AuditEvent):
    """Admin page only ("Stuck work"): work that should have moved on by now. No rows of its own."""

    class Meta:
        proxy = True
        verbose_name = "stuck work"
        verbose_name_plural = "stuck work"

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Account
from facilities.models import Facility, IncarceratedPerson


class Subscription(models.Model):
    """VideoConnect Unlimited for one facility, renewed monthly on the card on file."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAST_DUE = "past_due", "Past due"
        ENDED = "ended", "Ended"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="video_subscriptions")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    price_cents = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    started_at = models.DateTimeField(default=timezone.now)
    current_period_end = models.DateTimeField()
    cancel_at_period_end = models.BooleanField(default=False)
    canceled_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    stripe_subscription_id = models.CharField(max_length=64, blank=True)
    stripe_customer_id = models.CharField(max_length=64, blank=True)
    # Set when account deletion ended our record and Stripe has yet to confirm it will not renew.
    stripe_stop_pending = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "facility"], condition=~Q(status="ended"), name="subscription_one_open"
            ),
            models.UniqueConstraint(
                fields=["stripe_subscription_id"],
                condition=~Q(stripe_subscription_id=""),
                name="subscription_stripe_uniq",
            ),
        ]
        indexes = [
            # Reconcile job: subscriptions ended at deletion that Stripe has not yet confirmed.
            models.Index(
                fields=["ended_at"], condition=Q(stripe_stop_pending=True), name="subscription_stop_idx"
            ),
            # Reconcile job: open subscriptions whose period has ended.
            models.Index(
                fields=["current_period_end"], condition=~Q(status="ended"), name="subscription_due_idx"
            ),
        ]

    def __str__(self):
        return f"Unlimited at {self.facility}"


class Session(models.Model):
    """A scheduled VideoConnect visit."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELED = "cancelled", "Cancelled by the family member"
        VOIDED = "voided", "Voided at account deletion"
        COMPLETED = "completed", "Completed"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="video_sessions")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    inmate = models.ForeignKey(IncarceratedPerson, on_delete=models.PROTECT, related_name="+")
    scheduled_at = models.DateTimeField()
    price_cents = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # Upcoming sessions of an account (account page, deletion preview).
            models.Index(
                fields=["account", "scheduled_at"],
                condition=Q(status="scheduled"),
                name="session_upcoming_idx",
            ),
        ]

    def __str__(self):
        return f"Session with {self.inmate.name} at {self.scheduled_at:%Y-%m-%d %H:%M}"


class UnsubscribeReason(models.Model):
    """The fixed list of reasons offered on the first Unsubscribe step."""

    code = models.SlugField(max_length=32, unique=True)
    label = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    needs_text = models.BooleanField(
        default=False, help_text="Ask the person to write their reason in their own words (used for 'Other')."
    )
    active = models.BooleanField(default=True)
    # Stripe's cancellation_details.feedback accepts only these values; the label goes in its comment.
    stripe_feedback = models.CharField(
        max_length=20,
        default="other",
        choices=[
            (v, v)
            for v in (
                "customer_service",
                "low_quality",
                "missing_features",
                "other",
                "switched_service",
                "too_complex",
                "too_expensive",
                "unused",
            )
        ],
    )

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return self.label


class UnsubscribeAnswer(models.Model):
    """Why someone started to unsubscribe, kept for the marketing report whether or not they left."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Answered, undecided"
        STAYED = "stayed", "Stayed enrolled"
        CANCELED = "cancelled", "Completed cancellation"

    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="unsubscribe_answers"
    )
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    reason = models.ForeignKey(UnsubscribeReason, on_delete=models.PROTECT, related_name="answers")
    other_text = models.CharField(max_length=500, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # Marketing report: answers by month, reason and facility.
            models.Index(fields=["created_at", "reason", "facility"], name="answer_report_idx"),
        ]

    def __str__(self):
        return f"{self.reason} ({self.get_outcome_display()})"


class UnsubscribeReport(UnsubscribeAnswer):
    """The marketing report's place in admin (and its view permission); it stores nothing of its own."""

    class Meta:
        proxy = True
        verbose_name = "unsubscribe reasons report"
        verbose_name_plural = "unsubscribe reasons report"


class StripeProduct(models.Model):
    """The Stripe Product that VideoConnect Unlimited at one facility is billed under, created once
    through the API (Stripe's subscription items name a product; they cannot create one)."""

    facility = models.OneToOneField(Facility, on_delete=models.PROTECT, related_name="+")
    stripe_product_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.stripe_product_id} ({self.facility})"


class SubscribeAttempt(models.Model):
    """One press of Subscribe. Each attempt has its own idempotency key, so a card that was declined can
    be retried with another card: Stripe would replay the decline for a key it has seen."""

    class Outcome(models.TextChoices):
        STARTED = "started", "In progress"
        SUBSCRIBED = "subscribed", "Subscribed"
        FAILED = "failed", "Failed"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.STARTED)
    stripe_customer_id = models.CharField(max_length=64, blank=True)
    stripe_subscription_id = models.CharField(max_length=64, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # A double-submitted form: the second press finds the first still running.
            models.UniqueConstraint(
                fields=["account", "facility"], condition=Q(outcome="started"), name="subscribe_one_running"
            ),
        ]

    def __str__(self):
        return f"Subscribe attempt {self.pk}: {self.get_outcome_display()}"

    @property
    def idempotency_key(self) -> str:
        return f"video-subscribe-{self.pk}"

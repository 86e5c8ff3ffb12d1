import hashlib
import hmac

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone

from securus.email_address import canonical_email


def retired_email_digests(email: str) -> list[str]:
    """The digest of this email under the current key first, then under each older key still accepted."""
    value = canonical_email(email).encode()
    return [
        f"v{version}:{hmac.new(key.encode(), value, hashlib.sha256).hexdigest()}"
        for version, key in settings.RETIRED_EMAIL_KEYS
    ]


def retired_email_digest(email: str) -> str:
    """Keyed hash of the canonical email, tagged with the key's version: recognises a retired email
    without storing it, and lets the key rotate (old versions are still read, new rows use the current)."""
    return retired_email_digests(email)[0]


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        # Emails are stored canonical, so sign-in compares canonical forms (served by user_email_uniq).
        return self.get(email=canonical_email(email))

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=canonical_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Sign-in identity of family members and staff alike; email is the login."""

    email = models.EmailField("email address", max_length=254)
    name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        constraints = [
            # email__iexact compiles to UPPER(email) = UPPER(%s): this unique index serves it.
            models.UniqueConstraint(Upper("email"), name="user_email_upper_uniq"),
            # Sign-in and uniqueness look up the canonical email exactly.
            models.UniqueConstraint(fields=["email"], name="user_email_uniq"),
        ]

    def __str__(self):
        return self.email

    def get_full_name(self):
        return self.name or self.email

    def get_short_name(self):
        return self.name.split(" ")[0] if self.name else self.email


class Account(models.Model):
    """A family member's Securus Online account: the holder of every service below."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DELETED = "deleted", "Deleted"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="account"
    )
    name = models.CharField(max_length=150)
    phone = models.CharField(
        max_length=16,
        blank=True,
        help_text="The holder's own contact phone number, stored as +1 and ten digits.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # Admin filter "status" and the active-accounts count.
            models.Index(fields=["status"], name="account_status_idx"),
        ]

    def __str__(self):
        return self.name or f"Account {self.pk}"

    @property
    def is_deleted(self):
        return self.status == self.Status.DELETED


class Address(models.Model):
    """Mailing address on record; refund checks are mailed here."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="address")
    line1 = models.CharField("street address", max_length=100)
    line2 = models.CharField("apartment, suite, unit", max_length=100, blank=True)
    city = models.CharField(max_length=60)
    state = models.CharField(max_length=2)
    zip_code = models.CharField("ZIP code", max_length=10)
    verified_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "addresses"

    def __str__(self):
        return ", ".join(p for p in [self.line1, self.line2, self.city, f"{self.state} {self.zip_code}"] if p)

    def lines(self):
        return [p for p in [self.line1, self.line2, f"{self.city}, {self.state} {self.zip_code}"] if p]


class RetiredEmail(models.Model):
    """An email that belonged to a deleted account and can never open a new one."""

    # "v<key version>:<hex HMAC-SHA256>"; unique: sign-up and deletion_report look-ups.
    digest = models.CharField(max_length=80, unique=True)
    # The roof's model, named by string: identity never imports deletion.
    deletion = models.ForeignKey(
        "deletion.AccountDeletion", on_delete=models.CASCADE, related_name="retired_emails"
    )
    retired_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Retired email {self.digest[:10]}…"

    @classmethod
    def find(cls, email: str) -> "RetiredEmail | None":
        """The retired email matching under the current key or an older one; a match under an older key
        is rewritten under the current one, so old versions drain away as emails are looked up."""
        digests = retired_email_digests(email)
        found = cls.objects.filter(digest__in=digests).select_related("deletion").first()
        if found is not None and found.digest != digests[0]:
            cls.objects.filter(pk=found.pk).update(digest=digests[0])
            found.digest = digests[0]
        return found

    @classmethod
    def is_retired(cls, email: str) -> bool:
        return cls.objects.filter(digest__in=retired_email_digests(email)).exists()

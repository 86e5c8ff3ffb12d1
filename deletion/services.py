"""Account deletion: one preview (`plan_deletion`) and one act (`delete_account`) that carries it out.

Every service has a closer (the protocol and the registry are in deletion/closers.py).
They run in the registry's order, inside one transaction with the account row locked: the last day's calls are
posted before the prepaid refund is computed, and nothing leaves the database until the commit.
"""

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import BigIntegerField, CharField, DateTimeField, F
from django.db.models.functions import Right
from django.utils import timezone

from accounts.addresses import ADDRESS_FIELDS
from accounts.models import Account, Address, RetiredEmail, User, retired_email_digest
from audit.models import AuditEvent
from audit.services import actor_label
from audit.services import record as audit_record
from refunds.models import Refund
from refunds.retention import DIRECTBILL, REFUNDS
from securus.closer_types import RefundLine, ServicePreview
from securus.compiled import CompiledInsert, CompiledValues, CompiledWrite, Param
from securus.errors import Refused
from securus.logging import bind as bind_log_context
from securus.logging import log_context

from .closers import closers
from .emails import send_deletion_receipt
from .models import AccountDeletion, ServiceClosure


class DeletionError(Refused):
    """Deletion refused; `message` is written for the person deleting."""


@dataclass(frozen=True)
class DeletionPlan:
    account: Account
    now: datetime
    services: list[ServicePreview]
    address: Address | None

    @property
    def refunds(self) -> list[RefundLine]:
        return [line for service in self.services for line in service.refunds]

    @property
    def refund_routes(self) -> list[RefundLine]:
        """The refunds as a person reads them: one line per card (however many charges) and per check."""
        merged: dict[tuple, RefundLine] = {}
        for line in self.refunds:
            key = (line.method, line.card_brand, line.card_last4, line.expected_from, line.expected_to)
            if key in merged:
                first = merged[key]
                line = replace(
                    first, amount_cents=first.amount_cents + line.amount_cents, parts=first.parts + 1
                )
            merged[key] = line
        return list(merged.values())

    @property
    def refund_total_cents(self) -> int:
        return sum(line.amount_cents for line in self.refunds)

    @property
    def prepaid_money(self) -> dict | None:
        """Balance minus the last 24 hours of calls equals the refund: the one place these amounts show."""
        prepaid = self.service("prepaid")
        if prepaid is None:
            return None
        return {
            "balance_cents": prepaid.data.balance,
            "deducted_cents": prepaid.data.deducted,
            "refund_cents": self.refund_total_cents,
        }

    @property
    def mails_check(self) -> bool:
        return any(line.method == Refund.Method.CHECK for line in self.refunds)

    @property
    def money_follows(self) -> bool:
        """Something still reaches the holder after deletion: a refund, or a Direct Bill final statement."""
        return bool(self.refunds) or self.service("directbill") is not None

    @property
    def address_verified_recently(self) -> bool:
        if self.address is None or self.address.verified_at is None:
            return False
        max_age = timedelta(days=settings.ADDRESS_VERIFICATION_MAX_AGE_DAYS)
        return self.now - self.address.verified_at <= max_age

    @property
    def needs_address_verification(self) -> bool:
        """A check must go to an address the holder confirmed recently."""
        return self.mails_check and not self.address_verified_recently

    def service(self, name: str) -> ServicePreview | None:
        return next((s for s in self.services if s.service == name), None)

    @property
    def fingerprint(self) -> str:
        """Changes when anything the person was shown changes (amounts, routes, counts)."""
        shown = {
            "services": {s.service: s.report for s in self.services},
            "refunds": [
                [
                    r.amount_cents,
                    r.method,
                    r.payment_id,
                    r.expected_from.isoformat(),
                    r.expected_to.isoformat(),
                ]
                for r in self.refunds
            ],
            "address": str(self.address) if self.address else "",
        }
        return hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()[:32]


_ADDRESS_COLUMNS = [f.attname for f in Address._meta.concrete_fields]
# Compiled once per process (securus.compiled): the plan is made for the page and again at deletion.
_ADDRESS = CompiledValues(
    lambda: (
        Address.objects.filter(account_id=Param("account", BigIntegerField()))
        .order_by("pk")
        .values(*_ADDRESS_COLUMNS)[:1]
    )
)


def _mailing_address(account: Account) -> Address | None:
    rows = _ADDRESS.rows(account=account.pk)
    if not rows:
        return None
    return Address.from_db(DEFAULT_DB_ALIAS, _ADDRESS_COLUMNS, [rows[0][name] for name in _ADDRESS_COLUMNS])


# Whether the account was deleted already, asked at every deletion: compiled once per process.
_DELETED = CompiledValues(
    lambda: AccountDeletion.objects.filter(account_id=Param("account", BigIntegerField())).values("pk")
)


def plan_deletion(account: Account, *, now: datetime | None = None) -> DeletionPlan:
    """What deleting this account would do, service by service. Reads only."""
    now = now or timezone.now()
    previews = [p for closer in closers() if (p := closer.preview(account, now=now)) is not None]
    return DeletionPlan(account=account, now=now, services=previews, address=_mailing_address(account))


def delete_account(
    account: Account,
    *,
    actor,
    channel: str,
    call_reference: str = "",
    expected_fingerprint: str | None = None,
    now: datetime | None = None,
    site_url: str | None = None,
) -> AccountDeletion:
    """Close every service by its rules and retire the account. Deleting twice returns the first deletion.

    The holder is emailed a receipt with the refund tracking link after commit, whatever the channel;
    `site_url` is the root of the links in it (the site the person used; settings.SITE_URL otherwise)."""
    if channel not in AccountDeletion.Channel.values:
        raise DeletionError(f"Unknown channel {channel!r}.", code="channel")
    now = now or timezone.now()
    # log_context: every log line of the deletion, and the tasks it enqueues on commit, carry its id.
    with log_context(), transaction.atomic(durable=True):
        # Only the account row is locked; its user (for the receipt and the retirement) comes with it.
        account = Account.objects.select_for_update(of=("self",)).select_related("user").get(pk=account.pk)
        if _DELETED.rows(account=account.pk):  # deleted already: the rare path builds its query
            return AccountDeletion.objects.filter(account=account).first()
        plan = plan_deletion(account, now=now)
        if expected_fingerprint is not None and expected_fingerprint != plan.fingerprint:
            raise DeletionError(
                "Something on your account changed since you reviewed it. Please review the summary again.",
                code="plan_changed",
            )
        if plan.mails_check and plan.address is None:
            raise DeletionError(
                "A refund check needs a mailing address. Add one in My Settings first.", "no_address"
            )
        if plan.needs_address_verification:
            raise DeletionError(
                "A refund check will be mailed: please confirm your mailing address first.",
                code="address_unverified",
            )
        user = account.user
        # Kept only while money still moves: refund status emails, the Direct Bill final statement.
        kept_for = [REFUNDS] * bool(plan.refunds) + [DIRECTBILL] * (plan.service("directbill") is not None)
        deletion = AccountDeletion.objects.create(
            account=account,
            channel=channel,
            actor=actor,
            actor_label=actor_label(actor),
            call_reference=call_reference,
            holder_name=account.name,
            contact_email=user.email if user and kept_for else "",
            contact_kept_for=kept_for if user else [],
            mailing_address=_address_snapshot(plan.address) if plan.refunds else {},
            # Nothing to settle: the tracking link's year starts now.
            refunds_settled_at=None if plan.refunds else now,
            created_at=now,
        )
        bind_log_context(deletion_id=deletion.pk)
        outcomes = [
            ServiceClosure(
                deletion=deletion,
                service=preview.service,
                outcome=closer.close(account, deletion, preview, now=now),
                closed_at=now,
            )
            for closer, preview in _closers_with_previews(plan)
        ]
        ServiceClosure.objects.bulk_create(outcomes)
        if user is not None:
            send_deletion_receipt(
                deletion=deletion, to_email=user.email, base_url=site_url or settings.SITE_URL
            )
        _retire(account, user, deletion, now=now)
        audit_record(
            actor=actor,
            action=AuditEvent.Action.ACCOUNT_DELETED,
            obj=deletion,
            channel=channel,
            call_reference=call_reference,
            account=account,
            details={"services": [p.service for p in plan.services], "refund_cents": plan.refund_total_cents},
            at=now,
        )
    return deletion


def _closers_with_previews(plan: DeletionPlan):
    by_service = {p.service: p for p in plan.services}
    for closer in closers():
        if closer.service in by_service:
            yield closer, by_service[closer.service]


def _address_snapshot(address: Address | None) -> dict:
    if address is None:
        return {}
    return {name: getattr(address, name) for name in ADDRESS_FIELDS}


def _retire(account: Account, user, deletion: AccountDeletion, *, now) -> None:
    """Retire the email and erase personal data billing does not need. Checks keep their own snapshot."""
    if user is not None:
        digest = retired_email_digest(user.email)
        _RETIRE_EMAIL.run(digest=digest, deletion=deletion.pk, now=now)
        _forget_sign_in_records(user.email, digest)
        user.email = f"deleted-{user.pk}@deleted.invalid"
        user.name = ""
        user.is_active = False
        user.set_unusable_password()  # also ends every session: their auth hash no longer matches
        # The fields user.save(update_fields=...) would write.
        _RETIRE_USER.run(user=user.pk, email=user.email, password=user.password)
    _ERASE_ADDRESS.run(account=account.pk)
    _ERASE_PHONE_NUMBERS.run(account=account.pk)
    _CLEAR_DIRECTBILL_PHONE.run(account=account.pk)
    # Calls stay for billing, but name the line only by its last four digits. The prepaid closer already
    # shortened the calls it posted: only the others are written.
    _SHORTEN_CALL_NUMBERS.run(account=account.pk)
    account.name = ""
    account.phone = ""
    account.status = Account.Status.DELETED
    account.deleted_at = now
    _RETIRE_ACCOUNT.run(account=account.pk, now=now)


def _forget_sign_in_records(email: str, digest: str) -> None:
    """The lockout's records name the email: its counters go, and its access and failure logs keep their
    times and addresses under the retired digest instead (still linkable by whoever holds the key)."""
    from axes.models import AccessAttempt

    AccessAttempt.objects.filter(username=email).delete()  # collected: axes listens to their deletion
    _RENAME_ACCESS_LOG.run(email=email, digest=digest)
    _RENAME_ACCESS_FAILURE_LOG.run(email=email, digest=digest)


def _phone_numbers():
    from prepaid.models import PhoneNumber

    return PhoneNumber.objects.filter(prepaid_account__account_id=Param("account", BigIntegerField()))


def _directbill_accounts():
    from directbill.models import DirectBillAccount

    return DirectBillAccount.objects.filter(account_id=Param("account", BigIntegerField()))


def _calls_to_shorten():
    from prepaid.models import Call, PrepaidAccount

    owned = PrepaidAccount.objects.filter(account_id=Param("account", BigIntegerField())).values("pk")
    return Call.objects.filter(prepaid_account__in=owned).exclude(number=Right("number", 4))


def _sign_in_log(name: str) -> CompiledWrite:
    """The rename of the email to its digest in one of the lockout's logs (axes.models.AccessLog...)."""

    def build():
        from axes import models as axes_models

        return getattr(axes_models, name).objects.filter(username=Param("email", CharField()))

    return CompiledWrite(build, lambda: {"username": Param("digest", CharField())})


# Each deletion erases with the same statements: compiled once per process (securus.compiled).
_ERASE_ADDRESS = CompiledWrite(lambda: Address.objects.filter(account_id=Param("account", BigIntegerField())))
_ERASE_PHONE_NUMBERS = CompiledWrite(_phone_numbers)
_CLEAR_DIRECTBILL_PHONE = CompiledWrite(_directbill_accounts, lambda: {"phone_number": ""})
_RENAME_ACCESS_LOG = _sign_in_log("AccessLog")
_RENAME_ACCESS_FAILURE_LOG = _sign_in_log("AccessFailureLog")
# One row: the deletion's own, selected by its id, carries the retired email's values (all its fields).
_RETIRE_EMAIL = CompiledInsert(
    RetiredEmail,
    lambda: AccountDeletion.objects.filter(pk=Param("deletion", BigIntegerField())),
    lambda: {
        "digest": Param("digest", CharField()),
        "deletion_id": F("pk"),
        "retired_at": Param("now", DateTimeField()),
    },
)
_RETIRE_USER = CompiledWrite(
    lambda: User.objects.filter(pk=Param("user", BigIntegerField())),
    lambda: {
        "email": Param("email", CharField()),
        "name": "",
        "is_active": False,
        "password": Param("password", CharField()),
    },
)
_SHORTEN_CALL_NUMBERS = CompiledWrite(_calls_to_shorten, lambda: {"number": Right("number", 4)})
# The fields account.save(update_fields=...) would write, as _retire sets them on the instance.
_RETIRE_ACCOUNT = CompiledWrite(
    lambda: Account.objects.filter(pk=Param("account", BigIntegerField())),
    lambda: {
        "name": "",
        "phone": "",
        "status": Account.Status.DELETED.value,
        "deleted_at": Param("now", DateTimeField()),
    },
)


def find_deletion_by_email(email: str) -> AccountDeletion | None:
    """The deletion of the account that used this email, found through the retired email's digest."""
    retired = RetiredEmail.find(email)
    return retired.deletion if retired else None

"""The Refund and Check state machine. Every change of a refund's or a check's status happens here, one
function per transition: it checks the source state (a transition already made is not made twice), writes
the status, the refund's timeline event, the audit row when a person acted, and the status email (sent
after commit). The querysets that find refunds and checks waiting on a transition live here too, so the
sweep, the check run, the stale-check job and the stuck-work page count the same rows.

    card refund:  pending -> submitted -> succeeded
                  pending | submitted -> failed -> replaced (by a new check refund)
                  submitted (no Stripe id) -> pending            (Stripe unreachable: retried)
    check refund: check_queued -> check_printed -> check_mailed -> check_voided | check_returned
                  check_voided | check_returned -> replaced (by a reissued check refund)
    check:        queued -> printed -> mailed -> voided | returned
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.addresses import ADDRESS_FIELDS
from accounts.models import Address
from audit.models import AuditEvent
from audit.services import record
from securus.cards import card_label
from securus.errors import Refused
from securus.sql import pk_in

from . import emails
from .models import Check, CheckRun, Refund, RefundEvent, deletion_model
from .retention import REFUNDS, release_contacts
from .windows import check_refund_window

log = logging.getLogger(__name__)

# Refund statuses after which nothing more happens to the money (the address snapshot can go).
FINAL_STATUSES = frozenset(
    {
        Refund.Status.SUCCEEDED,
        Refund.Status.REPLACED,
        Refund.Status.CHECK_MAILED,
        Refund.Status.CHECK_VOIDED,
        Refund.Status.CHECK_RETURNED,
    }
)
VOID_AFTER_DAYS = 180
# A card refund can still fail (and become a check) this long after it succeeded: the deletion keeps
# the mailing address until then.
REFUND_CAN_FAIL_FOR = timedelta(days=120)


class CheckRefused(Refused):
    """A person asked for a check transition its state does not allow; `message` is written for them."""


# --- who is waiting on a transition --------------------------------------------------------------------


def unsent_card_refunds():
    """Card refunds Stripe has not answered: pending, or claimed by a worker that recorded no Stripe id."""
    return Refund.objects.filter(
        Q(status=Refund.Status.PENDING) | Q(status=Refund.Status.SUBMITTED, stripe_refund_id=""),
        method=Refund.Method.CARD,
    )


def unheard_card_refunds(*, before: datetime):
    """Card refunds Stripe accepted as pending, with no word from Stripe since `before`."""
    return Refund.objects.filter(
        method=Refund.Method.CARD, status=Refund.Status.SUBMITTED, updated_at__lt=before
    ).exclude(stripe_refund_id="")


def card_refunds_to_sweep(*, cutoff: datetime):
    """Unsent card refunds whose task message is lost: not enqueued since `cutoff`, and when claimed,
    claimed before it (a worker still talking to Stripe is left alone)."""
    return (
        unsent_card_refunds()
        .exclude(status=Refund.Status.SUBMITTED, updated_at__gte=cutoff)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=cutoff))
    )


def queued_checks():
    """Checks waiting for a check run."""
    return Check.objects.filter(status=Check.Status.QUEUED)


def mailable_checks():
    """Queued checks with a complete address and no number yet: what the next check run numbers."""
    return queued_checks().filter(~Q(line1="") & ~Q(city="") & ~Q(zip_code=""), check_number__isnull=True)


def stale_checks(*, today: date):
    """Mailed checks not cashed by their void-after date."""
    return Check.objects.filter(status=Check.Status.MAILED, void_after__lt=today)


# --- shared pieces --------------------------------------------------------------------------------------


def _event(refund: Refund, status: str, note: str = "", *, at=None) -> RefundEvent:
    return RefundEvent.objects.create(refund=refund, status=status, note=note[:300], at=at or timezone.now())


def _locked_refund(refund_id: int) -> Refund:
    return Refund.objects.select_for_update(of=("self",)).select_related("deletion").get(pk=refund_id)


def _locked_card_refund(refund_id: int | None, stripe_refund_id: str) -> Refund | None:
    """By our id, or by the Stripe refund id a card refund holds (a webhook knows only that one: one query
    finds and locks the row). None when no card refund holds that Stripe id."""
    if refund_id is not None:
        return _locked_refund(refund_id)
    if not stripe_refund_id:
        return None
    return (
        Refund.objects.select_for_update(of=("self",))
        .select_related("deletion")
        .filter(method=Refund.Method.CARD, stripe_refund_id=stripe_refund_id)
        .first()
    )


def locked_check(check_id: int) -> Check:
    return Check.objects.select_for_update(of=("self",)).select_related("refund").get(pk=check_id)


def audit_check(check: Check, *, actor, action, channel, call_reference, details, now) -> None:
    record(
        actor=actor,
        action=action,
        obj=check,
        channel=channel,
        call_reference=call_reference,
        account=check.refund.account if check.refund.account_id else None,
        details=details,
        at=now,
    )


def check_to(*, refund: Refund, payee: str, address: dict) -> Check:
    return Check(
        refund=refund,
        amount_cents=refund.amount_cents,
        payee=payee,
        line1=address.get("line1", ""),
        line2=address.get("line2", ""),
        city=address.get("city", ""),
        state=address.get("state", ""),
        zip_code=address.get("zip_code", ""),
    )


def check_from_snapshot(*, refund: Refund, deletion) -> Check:
    return check_to(refund=refund, payee=deletion.holder_name, address=deletion.mailing_address)


def _address_on_record(account_id: int):
    return Address.objects.select_related("account").filter(account_id=account_id).first()


def _replacement_check_refund(
    *, replacing: Refund, key_suffix: str, now, amount_cents: int | None = None
) -> Refund:
    """A check refund owing the same money as `replacing` (a failed card refund, a returned check), or
    `amount_cents` of it when part already went back to the card."""
    expected_from, expected_to = check_refund_window(timezone.localdate(now))
    return Refund.objects.create(
        account_id=replacing.account_id,
        deletion_id=replacing.deletion_id,
        service=replacing.service,
        amount_cents=replacing.amount_cents if amount_cents is None else amount_cents,
        method=Refund.Method.CHECK,
        status=Refund.Status.CHECK_QUEUED,
        expected_from=expected_from,
        expected_to=expected_to,
        idempotency_key=f"{replacing.idempotency_key}-{key_suffix}",
        created_at=now,
        updated_at=now,
    )


def _returned_to_card(*, part_of: Refund, stripe_refund_id: str, amount_cents: int, now) -> Refund:
    """A refund made outside the app (Stripe's dashboard) that gave back part of `part_of` to its card:
    recorded as a card refund of that amount holding its Stripe id, settled as Stripe reports it."""
    returned = Refund.objects.create(
        account_id=part_of.account_id,
        deletion_id=part_of.deletion_id,
        service=part_of.service,
        amount_cents=amount_cents,
        method=Refund.Method.CARD,
        status=Refund.Status.SUBMITTED,
        payment_id=part_of.payment_id,
        card_brand=part_of.card_brand,
        card_last4=part_of.card_last4,
        expected_from=part_of.expected_from,
        expected_to=part_of.expected_to,
        idempotency_key=f"{part_of.idempotency_key}-{stripe_refund_id}",
        stripe_refund_id=stripe_refund_id,
        created_at=now,
        updated_at=now,
        first_sent_at=now,
    )
    _event(
        returned,
        Refund.Status.SUBMITTED,
        f"Part of your refund went back to the {card_label(part_of.card_brand, part_of.card_last4)} "
        "through our payment processor.",
        at=now,
    )
    return returned


def erase_snapshot_if_settled(*, deletion_id: int | None, now=None) -> bool:
    """Once no refund of a deletion can still become a check, the deletion's address snapshot is erased
    (from then on the address lives only on the Check rows that were mailed to it), the refunds' hold on
    the contact email ends, and the settlement time is recorded (the tracking link expires a year later).
    A card refund that succeeded can still fail for REFUND_CAN_FAIL_FOR (the issuer returns the money),
    so it counts as settled only after that."""
    if deletion_id is None:
        return False
    return bool(erase_snapshots_if_settled(deletion_ids=[deletion_id], now=now))


def erase_snapshots_if_settled(*, deletion_ids, now=None) -> int:
    """The same for many deletions in a few statements (a check run settles hundreds at once). Returns
    how many address snapshots were erased."""
    now = now or timezone.now()
    mine = Refund.objects.filter(deletion=OuterRef("pk"))
    open_refunds = mine.exclude(status__in=FINAL_STATUSES)
    recent_success = mine.filter(
        method=Refund.Method.CARD,
        status=Refund.Status.SUCCEEDED,
        updated_at__gt=now - REFUND_CAN_FAIL_FOR,
    )
    model = deletion_model()
    deletions = model.objects
    settled = list(
        deletions.filter(pk_in(model, deletion_ids))
        .exclude(Exists(open_refunds))
        .exclude(Exists(recent_success))
        .values_list("pk", "refunds_settled_at", ExpressionWrapper(~Q(mailing_address={}), BooleanField()))
    )
    if not settled:
        return 0
    # One UPDATE of the rows that change (each row written once, not once per column).
    erased = [pk for pk, _, has_address in settled if has_address]
    changing = {pk for pk, settled_at, _ in settled if settled_at is None}.union(erased)
    if changing:
        deletions.filter(pk_in(model, changing)).update(
            refunds_settled_at=Coalesce("refunds_settled_at", Value(now)), mailing_address={}
        )
    release_contacts(deletion_ids=[pk for pk, _, _ in settled], purpose=REFUNDS)
    return len(erased)


# --- refunds: born, sent, settled ----------------------------------------------------------------------


def issue(refunds: list[Refund], notes: list[str]) -> list[Refund]:
    """New refunds start their life: a card refund pending for Stripe, a check refund queued for a run.
    Bulk, so the query count does not depend on how many there are. Card refunds are stamped as handed
    to the queue now: the caller enqueues them at commit (`enqueue_card_refunds`, which clears the
    stamp if the broker refuses), so the sweep leaves them alone meanwhile."""
    handed_at = timezone.now()
    for refund in refunds:
        is_card = refund.method == Refund.Method.CARD
        refund.status = Refund.Status.PENDING if is_card else Refund.Status.CHECK_QUEUED
        refund.enqueued_at = handed_at if is_card else None
    Refund.objects.bulk_create(refunds)
    RefundEvent.objects.bulk_create(
        RefundEvent(refund=r, at=r.created_at, status=r.status, note=note)
        for r, note in zip(refunds, notes, strict=True)
    )
    return refunds


# One statement writes a batch of refunds and their first timeline events. The lines travel as one JSON
# document of [amount, charge, key, route] rows plus the few distinct routes (method, card, window,
# why), so the statement, and the work in Python, barely grows for a balance spread over hundreds of
# card charges (no model instance, no parameter per row or per column).
_ISSUE_SQL = """
WITH route AS (
    SELECT (r.position - 1)::integer AS route, r.value->>0 AS method, r.value->>1 AS card_brand,
           r.value->>2 AS card_last4, (r.value->>3)::date AS expected_from,
           (r.value->>4)::date AS expected_to, r.value->>5 AS note
      FROM jsonb_array_elements(%(routes)s::jsonb) WITH ORDINALITY AS r(value, position)
), line AS (
    SELECT l.position, (l.value->>0)::integer AS amount_cents, (l.value->>1)::bigint AS payment_id,
           l.value->>2 AS idempotency_key, route.*
      FROM jsonb_array_elements(%(lines)s::jsonb) WITH ORDINALITY AS l(value, position)
      JOIN route ON route.route = (l.value->>3)::integer
), born AS (
    INSERT INTO {refund} (account_id, deletion_id, service, amount_cents, method, status, payment_id,
                          card_brand, card_last4, expected_from, expected_to, idempotency_key,
                          stripe_refund_id, failure_reason, created_at, updated_at, enqueued_at)
    SELECT %(account)s, %(deletion)s, %(service)s, amount_cents, method,
           CASE WHEN method = %(card)s THEN %(pending)s ELSE %(check_queued)s END, payment_id,
           card_brand, card_last4, expected_from, expected_to, idempotency_key, '', '', %(now)s, %(now)s,
           CASE WHEN method = %(card)s THEN %(handed_at)s::timestamptz END
      FROM line ORDER BY position
    RETURNING id, idempotency_key, status
), timeline AS (
    INSERT INTO {event} (refund_id, at, status, note)
    SELECT born.id, %(now)s, born.status, line.note FROM born JOIN line USING (idempotency_key)
     ORDER BY born.id
)
SELECT born.id FROM born JOIN line USING (idempotency_key) ORDER BY line.position
"""


def issue_lines(*, lines, keys: list[str], account_id: int, deletion_id: int | None, now) -> list[int]:
    """The set-based form of `issue` for PostgreSQL: one Refund per allocation line (a card refund
    pending for Stripe and stamped as handed to the queue, a check refund queued for a run) with its
    first timeline event, each keyed by `keys`. Returns the refund ids in line order."""
    if not lines:
        return []
    routes: dict[tuple, int] = {}
    rows = []
    for line, key in zip(lines, keys, strict=True):
        route = (
            str(line.method),
            line.card_brand,
            line.card_last4,
            line.expected_from.isoformat(),
            line.expected_to.isoformat(),
            line.why,
        )
        rows.append([line.amount_cents, line.payment_id, key, routes.setdefault(route, len(routes))])
    sql = _ISSUE_SQL.format(refund=Refund._meta.db_table, event=RefundEvent._meta.db_table)
    params = {
        "lines": json.dumps(rows),
        "routes": json.dumps(list(routes)),
        "account": account_id,
        "deletion": deletion_id,
        "service": "prepaid",
        "card": str(Refund.Method.CARD),
        "pending": str(Refund.Status.PENDING),
        "check_queued": str(Refund.Status.CHECK_QUEUED),
        "now": now,
        "handed_at": timezone.now(),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def claim_for_submission(*, refund_id: int, now) -> bool:
    """pending -> submitted, as a conditional UPDATE: one worker wins the right to call Stripe. The first
    claim's time is kept (first_sent_at): a later re-send asks Stripe before sending again."""
    return bool(
        Refund.objects.filter(pk=refund_id, method=Refund.Method.CARD, status=Refund.Status.PENDING).update(
            status=Refund.Status.SUBMITTED, updated_at=now, first_sent_at=Coalesce("first_sent_at", now)
        )
    )


# The claim, and the refund as it stands after it with what sending it reads (its charge, its deletion's
# contact for the email), in one statement. The outer SELECT sees the row as it was before the UPDATE, so
# the columns the claim changes come from the claim's RETURNING when it claimed.
_CLAIM_AND_READ = """
WITH claimed AS (
    UPDATE {refund} SET status = %(submitted)s, updated_at = %(now)s,
           first_sent_at = COALESCE(first_sent_at, %(now)s)
     WHERE id = %(refund_id)s AND method = %(card)s AND status = %(pending)s
 RETURNING id, status, updated_at, first_sent_at
)
SELECT claimed.id IS NOT NULL, {columns}, payment.stripe_charge_id, deletion.contact_email,
       deletion.tracking_key
  FROM {refund} r
  LEFT JOIN claimed ON claimed.id = r.id
  LEFT JOIN {payment} payment ON payment.id = r.payment_id
  LEFT JOIN {deletion} deletion ON deletion.id = r.deletion_id
 WHERE r.id = %(refund_id)s
"""
_CLAIM_CHANGES = ("status", "updated_at", "first_sent_at")


def claim_and_read_for_submission(*, refund_id: int, now) -> tuple[bool, Refund | None]:
    """`claim_for_submission`, then the refund (None when there is no such row) with its payment's Stripe
    charge and its deletion's contact email and tracking key loaded: one round trip on PostgreSQL, where
    the worker sends hundreds of refunds a second, and no queryset to build."""
    if connection.vendor != "postgresql":  # the SQLite laptop demo
        claimed = claim_for_submission(refund_id=refund_id, now=now)
        return claimed, Refund.objects.select_related("payment", "deletion").filter(pk=refund_id).first()
    fields = Refund._meta.concrete_fields
    columns = ", ".join(
        f"COALESCE(claimed.{f.column}, r.{f.column})" if f.attname in _CLAIM_CHANGES else f"r.{f.column}"
        for f in fields
    )
    payment_field = Refund._meta.get_field("payment")
    sql = _CLAIM_AND_READ.format(
        refund=Refund._meta.db_table,
        payment=payment_field.related_model._meta.db_table,
        deletion=deletion_model()._meta.db_table,
        columns=columns,
    )
    params = {
        "refund_id": refund_id,
        "now": now,
        "card": Refund.Method.CARD.value,
        "pending": Refund.Status.PENDING.value,
        "submitted": Refund.Status.SUBMITTED.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False, None
    claimed, values, (charge_id, contact_email, tracking_key) = row[0], row[1 : 1 + len(fields)], row[-3:]
    refund = Refund.from_db(connection.alias, [f.attname for f in fields], values)
    _attach_loaded(refund, "payment", stripe_charge_id=charge_id)
    _attach_loaded(refund, "deletion", contact_email=contact_email, tracking_key=tracking_key)
    return claimed, refund


def _attach_loaded(refund: Refund, name: str, **loaded) -> None:
    """Set `refund.<name>` to its related row with only the `loaded` columns read (the others load on
    first access, as for `.only()`), or to None when the refund has none."""
    field = Refund._meta.get_field(name)
    related_id = getattr(refund, field.attname)
    related = None
    if related_id is not None:
        model = field.related_model
        loaded[model._meta.pk.attname] = related_id
        names = [f.attname for f in model._meta.concrete_fields if f.attname in loaded]
        related = model.from_db(connection.alias, names, [loaded[name] for name in names])
    field.set_cached_value(refund, related)


def release_claim(*, refund_id: int) -> None:
    """submitted (no Stripe id) -> pending: Stripe could not be reached, so the retry (or the sweep)
    claims it again; enqueued_at stays fresh."""
    Refund.objects.filter(pk=refund_id, status=Refund.Status.SUBMITTED, stripe_refund_id="").update(
        status=Refund.Status.PENDING, updated_at=timezone.now(), enqueued_at=timezone.now()
    )


def record_submission(
    *, refund_id: int, stripe_refund_id: str, note: str = "", refund: Refund | None = None
) -> tuple[Refund, bool]:
    """Stripe accepted the refund: store its id once, with the timeline event and the email. Returns the
    refund and whether this call recorded it (False: an earlier one did). A caller that already holds the
    refund (with its deletion) passes it, and it is updated in place instead of read again."""
    if refund is None:
        refund = Refund.objects.select_related("deletion").get(pk=refund_id)
    now = timezone.now()
    note = note or f"Sent to the card issuer ({card_label(refund.card_brand, refund.card_last4)})."
    if not _store_stripe_id(refund_id=refund_id, stripe_refund_id=stripe_refund_id, note=note, now=now):
        return Refund.objects.select_related("deletion").get(pk=refund_id), False
    refund.stripe_refund_id = stripe_refund_id
    refund.updated_at = now
    emails.send_status_email(refund=refund, status=Refund.Status.SUBMITTED)
    return refund, True


# The Stripe id, stored only where none is, and its timeline event, in one statement: atomic without a
# transaction, one round trip instead of four for every card refund a worker sends.
_STORE_STRIPE_ID = """
    WITH stored AS (
        UPDATE {refund} SET stripe_refund_id = %(stripe_refund_id)s, updated_at = %(now)s
         WHERE id = %(refund_id)s AND stripe_refund_id = ''
     RETURNING id
    )
    INSERT INTO {event} (refund_id, at, status, note)
    SELECT id, %(now)s, %(status)s, %(note)s FROM stored
"""


def _store_stripe_id(*, refund_id: int, stripe_refund_id: str, note: str, now) -> bool:
    """True when this call stored the id (the conditional UPDATE is the check and the lock at once: two
    recorders store one id)."""
    if connection.vendor != "postgresql":  # the SQLite laptop demo: no data-modifying WITH there
        with transaction.atomic():
            if not Refund.objects.filter(pk=refund_id, stripe_refund_id="").update(
                stripe_refund_id=stripe_refund_id, updated_at=now
            ):
                return False
            RefundEvent.objects.create(
                refund_id=refund_id, status=Refund.Status.SUBMITTED, note=note[:300], at=now
            )
            return True
    sql = _STORE_STRIPE_ID.format(refund=Refund._meta.db_table, event=RefundEvent._meta.db_table)
    params = {
        "refund_id": refund_id,
        "stripe_refund_id": stripe_refund_id,
        "now": now,
        "status": Refund.Status.SUBMITTED.value,
        "note": note[:300],
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


# The card refund transitions below run inside the webhook's transaction: savepoint=False spares two round
# trips each, and a failure inside fails that whole transaction anyway (Stripe delivers the event again).


def mark_succeeded(*, refund_id: int | None = None, stripe_refund_id: str = "") -> Refund | None:
    """pending | submitted -> succeeded, for our refund id or the card refund holding `stripe_refund_id`
    (None when there is none). The deletion's address snapshot is not erased here: a card refund can fail
    for REFUND_CAN_FAIL_FOR after it succeeded, so the daily erase_settled_snapshots does it."""
    if connection.vendor == "postgresql" and (refund_id is not None or stripe_refund_id):
        refund = _mark_succeeded_at_once(refund_id=refund_id, stripe_refund_id=stripe_refund_id)
        if refund is not None:
            emails.send_status_email(refund=refund, status=Refund.Status.SUCCEEDED)
            return refund
        # Nothing moved: no such card refund, or it is past pending and submitted. Read it as it is.
    with transaction.atomic(savepoint=False):
        refund = _locked_card_refund(refund_id, stripe_refund_id)
        if refund is None or refund.status not in (Refund.Status.PENDING, Refund.Status.SUBMITTED):
            return refund
        refund.status = Refund.Status.SUCCEEDED
        refund.updated_at = timezone.now()
        refund.save(update_fields=["status", "updated_at"])
        _event(refund, Refund.Status.SUCCEEDED, "The card issuer accepted the refund.", at=refund.updated_at)
        emails.send_status_email(refund=refund, status=Refund.Status.SUCCEEDED)
    return refund


# pending | submitted -> succeeded with its timeline event, in one statement (the UPDATE locks the row as
# SELECT ... FOR UPDATE did), returning the refund and its deletion's contact for the email.
_MARK_SUCCEEDED = """
WITH moved AS (
    UPDATE {refund} SET status = %(succeeded)s, updated_at = %(now)s
     WHERE {match} AND status IN (%(pending)s, %(submitted)s)
 RETURNING {columns}
), timeline AS (
    INSERT INTO {event} (refund_id, at, status, note)
    SELECT id, %(now)s, %(succeeded)s, %(note)s FROM moved
)
SELECT {moved}, deletion.contact_email, deletion.tracking_key
  FROM moved LEFT JOIN {deletion} deletion ON deletion.id = moved.deletion_id
"""


def _mark_succeeded_at_once(*, refund_id: int | None, stripe_refund_id: str) -> Refund | None:
    """The refund moved to succeeded, or None when no row moved (PostgreSQL only)."""
    fields = Refund._meta.concrete_fields
    match = (
        "id = %(refund_id)s"
        if refund_id is not None
        else "method = %(card)s AND stripe_refund_id = %(stripe)s"
    )
    sql = _MARK_SUCCEEDED.format(
        refund=Refund._meta.db_table,
        event=RefundEvent._meta.db_table,
        deletion=deletion_model()._meta.db_table,
        match=match,
        columns=", ".join(f.column for f in fields),
        moved=", ".join(f"moved.{f.column}" for f in fields),
    )
    params = {
        "refund_id": refund_id,
        "stripe": stripe_refund_id,
        "card": Refund.Method.CARD.value,
        "now": timezone.now(),
        "succeeded": Refund.Status.SUCCEEDED.value,
        "pending": Refund.Status.PENDING.value,
        "submitted": Refund.Status.SUBMITTED.value,
        "note": "The card issuer accepted the refund.",
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    refund = Refund.from_db(connection.alias, [f.attname for f in fields], row[: len(fields)])
    contact_email, tracking_key = row[len(fields) :]
    _attach_loaded(refund, "deletion", contact_email=contact_email, tracking_key=tracking_key)
    return refund


def replace_with_check(
    *,
    refund_id: int | None = None,
    stripe_refund_id: str = "",
    reason: str,
    returned: Sequence[tuple[str, int]] = (),
) -> Refund | None:
    """card refund -> failed -> replaced: a card refund that failed for good becomes a mailed check for
    the same amount, addressed to the snapshot taken at deletion. Returns the new check refund (or the
    existing one on a re-run). By our refund id, or the card refund holding `stripe_refund_id` (None when
    there is none).

    `returned`: Stripe refunds made outside the app that already gave back part of this allocation to the
    card, as (Stripe refund id, cents), together less than its amount. Each becomes a card refund row of
    its own (its Stripe id is unique on our rows, so it pays one allocation only) and the check owes the
    rest: the family is paid the allocation once, part to the card and part by check."""
    with transaction.atomic(savepoint=False):
        refund = _locked_card_refund(refund_id, stripe_refund_id)
        if refund is None:
            return None
        if refund.replaced_by_id:
            return refund.replaced_by
        if refund.method != Refund.Method.CARD or refund.status in (
            Refund.Status.FAILED,
            Refund.Status.REPLACED,
        ):
            return refund
        now = timezone.now()
        refund.status = Refund.Status.FAILED
        refund.failure_reason = reason[:200]
        refund.updated_at = now
        _event(refund, Refund.Status.FAILED, f"The card refund failed: {reason}.", at=now)
        for stripe_id, cents in returned:
            _returned_to_card(part_of=refund, stripe_refund_id=stripe_id, amount_cents=cents, now=now)
        rest = refund.amount_cents - sum(cents for _, cents in returned)
        check_refund = _replacement_check_refund(
            replacing=refund, key_suffix="check", now=now, amount_cents=rest
        )
        _event(
            check_refund, Refund.Status.CHECK_QUEUED, f"Replaces a card refund that failed: {reason}.", at=now
        )
        address = None if refund.deletion is not None else _address_on_record(refund.account_id)
        if refund.deletion is not None:
            check_from_snapshot(refund=check_refund, deletion=refund.deletion).save()
        elif address is not None:  # a refund without deletion (inactive balance): the address on record
            fields = {name: getattr(address, name) for name in ADDRESS_FIELDS}
            check_to(refund=check_refund, payee=address.account.name, address=fields).save()
        else:  # no snapshot to address it to: queued without address, held back from check runs
            Check.objects.create(
                refund=check_refund,
                amount_cents=check_refund.amount_cents,
                payee="",
                line1="",
                city="",
                state="",
                zip_code="",
            )
            log.warning("refund %s: replacement check %s has no address", refund.pk, check_refund.pk)
        refund.status = Refund.Status.REPLACED
        refund.replaced_by = check_refund
        refund.save(update_fields=["status", "failure_reason", "updated_at", "replaced_by"])
        _event(refund, Refund.Status.REPLACED, "Replaced by a mailed check.", at=now)
        emails.send_status_email(refund=refund, status=Refund.Status.REPLACED, note=reason)
    log.info("refund %s failed (%s): replaced by check refund %s", refund.pk, reason, check_refund.pk)
    return check_refund


# --- checks: printed, mailed, voided, returned, reissued -----------------------------------------------


# One statement moves the run's checks, their refunds and their timelines together: a fixed number of
# round trips per run, and no row of it through Python. RETURNING gives what the emails and the
# address-snapshot cleanup need: (refund id, deletion id, amount_cents, expected_to, contact email, tracking key).
_ADVANCE_SQL = """
WITH moved AS (
    UPDATE {check} SET status = %(to_status)s, "{stamp}" = %(now)s
     WHERE check_run_id = %(run)s AND status = %(from_status)s
    RETURNING refund_id, check_number
), advanced AS (
    UPDATE {refund} r SET status = %(refund_status)s, updated_at = %(now)s
      FROM moved WHERE r.id = moved.refund_id
    RETURNING r.id, r.deletion_id, r.amount_cents, r.expected_to, moved.check_number
), timeline AS (
    INSERT INTO {event} (refund_id, status, at, note)
    SELECT refund_id, %(refund_status)s, %(now)s, %(verb)s || ': check no. ' || check_number || '.'
      FROM moved ORDER BY check_number
)
SELECT a.id, a.deletion_id, a.amount_cents, a.expected_to, d.contact_email, d.tracking_key
  FROM advanced a LEFT JOIN {deletion} d ON d.id = a.deletion_id
 ORDER BY a.check_number
"""
_STAMPS = {Check.Status.PRINTED: "printed_at", Check.Status.MAILED: "mailed_at"}


def _advance_run(run: CheckRun, from_status, to_status, refund_status) -> set[int]:
    """Every check of the run in `from_status` (and its refund) one step on, set-based: a fixed number of
    queries per run whatever its size. Returns their deletions."""
    now = timezone.now()
    verb = "Printed" if to_status == Check.Status.PRINTED else "Mailed by USPS"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _ADVANCE_SQL.format(
                    check=Check._meta.db_table,
                    refund=Refund._meta.db_table,
                    event=RefundEvent._meta.db_table,
                    deletion=deletion_model()._meta.db_table,
                    stamp=_STAMPS[to_status],
                ),
                {
                    "run": run.pk,
                    "from_status": from_status,
                    "to_status": to_status,
                    "refund_status": refund_status,
                    "now": now,
                    "verb": verb,
                },
            )
            rows = cursor.fetchall()
    else:  # the laptop demo on SQLite (no data-modifying WITH): the same with the ORM
        rows = _advance_run_orm(run, from_status, to_status, refund_status, now=now, verb=verb)
    if to_status == Check.Status.MAILED:
        emails.send_check_mailed_emails(rows)
    return {row[1] for row in rows if row[1]}


def _advance_run_orm(run: CheckRun, from_status, to_status, refund_status, *, now, verb) -> list[tuple]:
    checks = Check.objects.filter(check_run=run, status=from_status)
    rows = list(
        checks.order_by("check_number").values_list(
            "check_number",
            "refund_id",
            "refund__deletion_id",
            "refund__amount_cents",
            "refund__expected_to",
            "refund__deletion__contact_email",
            "refund__deletion__tracking_key",
        )
    )
    if not rows:
        return []
    Refund.objects.filter(check_payment__in=checks).update(status=refund_status, updated_at=now)
    checks.update(status=to_status, **{_STAMPS[to_status]: now})
    RefundEvent.objects.bulk_create(
        RefundEvent(refund_id=row[1], status=refund_status, at=now, note=f"{verb}: check no. {row[0]}.")
        for row in rows
    )
    return [row[1:] for row in rows]


def print_run(run: CheckRun) -> set[int]:
    """queued -> printed (check_queued -> check_printed) for the run's checks."""
    return _advance_run(run, Check.Status.QUEUED, Check.Status.PRINTED, Refund.Status.CHECK_PRINTED)


def mail_run(run: CheckRun) -> set[int]:
    """printed -> mailed (check_printed -> check_mailed) for the run's checks, each holder emailed."""
    return _advance_run(run, Check.Status.PRINTED, Check.Status.MAILED, Refund.Status.CHECK_MAILED)


def void(checks: list[Check], *, now) -> None:
    """mailed -> voided (check_mailed -> check_voided): not cashed within VOID_AFTER_DAYS."""
    Check.objects.filter(pk__in=[c.pk for c in checks]).update(status=Check.Status.VOIDED, voided_at=now)
    Refund.objects.filter(pk__in=[c.refund_id for c in checks]).update(
        status=Refund.Status.CHECK_VOIDED, updated_at=now
    )
    RefundEvent.objects.bulk_create(
        RefundEvent(
            refund_id=c.refund_id,
            status=Refund.Status.CHECK_VOIDED,
            at=now,
            note=f"Check no. {c.check_number} was not cashed within {VOID_AFTER_DAYS} days.",
        )
        for c in checks
    )


def mark_returned(*, check: Check, actor, note: str, channel: str, call_reference: str, now) -> Check:
    """mailed -> returned (check_mailed -> check_returned): USPS brought the check back."""
    with transaction.atomic():
        check = locked_check(check.pk)
        if check.status == Check.Status.RETURNED:
            return check
        if check.status != Check.Status.MAILED:
            raise CheckRefused(
                f"Only a mailed check can come back from USPS; this one is {check.get_status_display().lower()}.",
                code="not_mailed",
            )
        check.status = Check.Status.RETURNED
        check.save(update_fields=["status"])
        Refund.objects.filter(pk=check.refund_id).update(status=Refund.Status.CHECK_RETURNED, updated_at=now)
        RefundEvent.objects.create(
            refund_id=check.refund_id,
            status=Refund.Status.CHECK_RETURNED,
            at=now,
            note=f"Check no. {check.check_number} came back from USPS. Contact customer care to have it sent again.",
        )
        audit_check(
            check,
            actor=actor,
            action=AuditEvent.Action.CHECK_RETURNED,
            channel=channel,
            call_reference=call_reference,
            details={"check_number": check.check_number, "note": note[:200]},
            now=now,
        )
    return check


def reissue(*, check: Check, address: dict | None, actor, channel: str, call_reference: str, now) -> Check:
    """returned | voided -> replaced by a new queued check for the same amount and payee, to `address`
    (None: the same one). The money is owed once; reissuing twice returns the first reissue."""
    with transaction.atomic():
        check = locked_check(check.pk)
        existing = Check.objects.filter(reissue_of=check).first()
        if existing is not None:
            return existing
        if check.status not in (Check.Status.RETURNED, Check.Status.VOIDED):
            raise CheckRefused(
                "Only a check returned by USPS or voided can be reissued.", code="not_reissuable"
            )
        old = Refund.objects.select_for_update().get(pk=check.refund_id)
        new_refund = _replacement_check_refund(replacing=old, key_suffix="reissue", now=now)
        new_check = Check.objects.create(
            refund=new_refund,
            amount_cents=check.amount_cents,
            payee=check.payee,
            reissue_of=check,
            **(address or {name: getattr(check, name) for name in ADDRESS_FIELDS}),
        )
        old.status = Refund.Status.REPLACED
        old.replaced_by = new_refund
        old.updated_at = now
        old.save(update_fields=["status", "replaced_by", "updated_at"])
        RefundEvent.objects.create(
            refund=old, status=Refund.Status.REPLACED, at=now, note="Replaced by a new check."
        )
        RefundEvent.objects.create(
            refund=new_refund,
            status=Refund.Status.CHECK_QUEUED,
            at=now,
            note=f"Reissue of check no. {check.check_number}, to {new_check.city}, {new_check.state}.",
        )
        audit_check(
            check,
            actor=actor,
            action=AuditEvent.Action.CHECK_REISSUED,
            channel=channel,
            call_reference=call_reference,
            details={
                "check_number": check.check_number,
                "new_check_id": new_check.pk,
                "new_address": bool(address),
            },
            now=now,
        )
    return new_check

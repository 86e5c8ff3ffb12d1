"""The inactive-balance sweep. For every open AdvanceConnect account with money on it:

- at (inactivity days - notice days) without activity, the holder is emailed a notice once per inactive
  period (what will happen, the amount, the route, the date, a "keep my account" link);
- at inactivity days, with that notice at least notice days old and no activity since, the account is
  closed (TextPay/AutoPay end) and the balance refunded by the deletion's routing: the last purchase's
  card, newest charge first, the rest by check to the address on record. With no address on record the
  check part is held and becomes an unclaimed-property item. The Securus Online account stays open.

Work is done in bounded batches, each one transaction that locks its rows (SKIP LOCKED, so two sweeps
share the work), with set-based writes: the query count per batch does not grow with its size except
for nothing: the refund routes of a whole batch are read in two queries. Running it again for the same
`now` finds every notice and closure already recorded and does nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Account
from prepaid.allocation import allocate_refunds
from prepaid.models import Enrolment, LedgerEntry, PrepaidAccount
from refunds.issuing import refund_for_line, save_refunds
from refunds.models import Refund
from refunds.transitions import check_to
from securus.cards import card_label
from securus.closer_types import local_today
from securus.money import dollars, format_cents
from unclaimed.services import HeldBalance, hold_balances

from .clock import with_clock
from .keep import keep_url
from .models import InactivityClosure, InactivityNotice
from .rules import Rule, rules_on

log = logging.getLogger(__name__)

BATCH_SIZE = 500


@dataclass
class _Due:
    prepaid: PrepaidAccount
    rule: Rule
    notice: InactivityNotice | None


def sweep(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE, limit: int | None = None
) -> list[dict]:
    """Run the whole sweep as of `now`; returns one action dict per notice, refund or hold (the
    `inactivity_sweep --json` lines). `limit` bounds the accounts looked at in one run."""
    now = now or timezone.now()
    default, by_state = rules_on(local_today(now))
    due = _due_filter(now, default, by_state)
    actions: list[dict] = []
    cursor, seen = 0, 0
    while limit is None or seen < limit:
        size = batch_size if limit is None else min(batch_size, limit - seen)
        batch_actions, cursor, count = sweep_batch(
            now=now, due=due, default=default, by_state=by_state, after=cursor, size=size
        )
        actions += batch_actions
        seen += count
        if count < size:
            break
    return actions


def _due_filter(now, default: Rule, by_state: dict[str, Rule]) -> Q:
    """Accounts inactive at least as long as their state's notice point."""
    due = Q(last_activity_at__lte=now - default.notice_after)
    if by_state:
        due &= ~Q(state__in=list(by_state))
    for state, rule in by_state.items():
        due |= Q(state=state, last_activity_at__lte=now - rule.notice_after)
    return due


def sweep_batch(*, now, due: Q, default: Rule, by_state: dict[str, Rule], after: int, size: int):
    """One bounded batch after the account id `after`: (actions, last id looked at, accounts looked at)."""
    with transaction.atomic():
        rows = list(
            with_clock(
                PrepaidAccount.objects.filter(
                    pk__gt=after, status=PrepaidAccount.Status.OPEN, account__status=Account.Status.ACTIVE
                )
            )
            .filter(due, balance__gt=0)
            .select_related("account__user", "account__address")
            .order_by("pk")
            .select_for_update(of=("self",), skip_locked=True)[:size]
        )
        if not rows:
            return [], after, 0
        notices = {
            (n.prepaid_account_id, n.clock_at): n
            for n in InactivityNotice.objects.filter(
                prepaid_account_id__in=[r.pk for r in rows], clock_at__in={r.last_activity_at for r in rows}
            )
        }
        to_notice, to_close = [], []
        for row in rows:
            rule = by_state.get(row.state, default)
            notice = notices.get((row.pk, row.last_activity_at))
            if notice is None:
                to_notice.append(_Due(row, rule, None))
            elif now >= max(row.last_activity_at + rule.action_after, notice.sent_at + rule.notice_lead):
                to_close.append(_Due(row, rule, notice))
        actions = _send_notices(to_notice, now=now) + _close(to_close, now=now)
    return actions, rows[-1].pk, len(rows)


# --- notices ------------------------------------------------------------------------------------------


def _address_of(account) -> dict | None:
    address = getattr(account, "address", None)  # select_related: None when there is no row
    if address is None:
        return None
    return {f: getattr(address, f) for f in ("line1", "line2", "city", "state", "zip_code")}


def _route_text(lines, address: dict | None) -> str:
    """One part per destination (a card's charges are summed): what the holder needs to recognise."""
    parts: dict[str, int] = {}
    for line in lines:
        if line.method == Refund.Method.CARD:
            where = f"back to your {card_label(line.card_brand, line.card_last4)}"
        elif address is not None:
            where = (
                f"by check mailed by USPS to {address['line1']}, {address['city']}, "
                f"{address['state']} {address['zip_code']}"
            )
        else:
            where = (
                "held for you and, if unclaimed, reported to the state as unclaimed property, "
                "because we have no mailing address for you"
            )
        parts[where] = parts.get(where, 0) + line.amount_cents
    return "; ".join(f"{dollars(cents)} {where}" for where, cents in parts.items())


def _send_notices(due: list[_Due], *, now) -> list[dict]:
    if not due:
        return []
    today = local_today(now)
    notices = []
    routes = allocate_refunds({d.prepaid.pk: d.prepaid.balance for d in due}, today)
    for d in due:
        lines = routes[d.prepaid.pk]
        action_at = max(d.prepaid.last_activity_at + d.rule.action_after, now + d.rule.notice_lead)
        notices.append(
            InactivityNotice(
                prepaid_account=d.prepaid,
                clock_at=d.prepaid.last_activity_at,
                sent_at=now,
                amount_cents=d.prepaid.balance,
                route=_route_text(lines, _address_of(d.prepaid.account))[:300],
                action_on=local_today(action_at),
            )
        )
    InactivityNotice.objects.bulk_create(notices)
    messages = [_notice_email(n) for n in notices if _email_of(n.prepaid_account)]
    transaction.on_commit(lambda: _deliver(messages))
    return [
        {
            "email": _email_of(n.prepaid_account),
            "action": "noticed",
            "amount": format_cents(n.amount_cents),
            "refunds": [],
        }
        for n in notices
    ]


def _email_of(prepaid) -> str:
    """The holder's sign-in email, read when needed: a notice keeps no copy, so a deletion leaves none."""
    return getattr(prepaid.account.user, "email", "") or ""


def _notice_email(notice: InactivityNotice) -> EmailMessage:
    context = {
        "notice": notice,
        "name": notice.prepaid_account.account.name,
        "amount": dollars(notice.amount_cents),
        "keep_url": keep_url(notice.prepaid_account_id, base_url=settings.SITE_URL),
    }
    return EmailMessage(
        subject="Your AdvanceConnect balance will be refunded unless you keep your account",
        body=render_to_string("inactivity/email/notice.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[_email_of(notice.prepaid_account)],
    )


def _deliver(messages: list[EmailMessage]) -> None:
    """One connection for the batch. A failed send is logged: the notice row stays (sent once), and the
    closure still waits the full notice period after it."""
    try:
        get_connection().send_messages(messages)
    except Exception:
        log.exception("inactivity notices: sending %d emails failed", len(messages))


# --- closures -----------------------------------------------------------------------------------------


def _close(due: list[_Due], *, now) -> list[dict]:
    if not due:
        return []
    today = local_today(now)
    refunds: list[Refund] = []
    notes: list[str] = []
    addresses: dict[int, dict] = {}
    holds: list[HeldBalance] = []
    plans = []  # (due, refunds of this account, held cents)
    routes = allocate_refunds({d.prepaid.pk: d.prepaid.balance for d in due}, today)
    for d in due:
        prepaid, account = d.prepaid, d.prepaid.account
        address = _address_of(account)
        lines = routes[prepaid.pk]
        held = 0
        if address is None:  # no address to mail a check to: the check part is held as unclaimed property
            held = sum(line.amount_cents for line in lines if line.method == Refund.Method.CHECK)
            lines = [line for line in lines if line.method == Refund.Method.CARD]
        else:
            addresses[account.pk] = address
        own = [
            refund_for_line(
                line=line, account_id=account.pk, key_prefix=f"inactive-{prepaid.pk}", index=i, now=now
            )
            for i, line in enumerate(lines)
        ]
        refunds += own
        notes += [
            f"Refund of an AdvanceConnect balance unused for {d.rule.inactivity_days} days. {line.why}".strip()
            for line in lines
        ]
        if held:
            holds.append(
                HeldBalance(
                    source_key=f"inactive-{prepaid.pk}",
                    account=account,
                    amount_cents=held,
                    arose_on=today,
                    last_activity_on=local_today(prepaid.last_activity_at),
                )
            )
        plans.append((d, own, held))

    names = {d.prepaid.account.pk: d.prepaid.account.name for d in due}
    save_refunds(
        refunds,
        notes=notes,
        check_for=lambda r: check_to(refund=r, payee=names[r.account_id], address=addresses[r.account_id]),
    )
    items = {item.source_key: item for item in hold_balances(holds, now=now)}
    ids = [d.prepaid.pk for d in due]
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                prepaid_account_id=d.prepaid.pk,
                created_at=now,
                kind=LedgerEntry.Kind.REFUND,
                amount_cents=-r.amount_cents,
                refund=r,
                memo="Refunded after inactivity.",
            )
            for d, own, _ in plans
            for r in own
        ]
        + [
            LedgerEntry(
                prepaid_account_id=d.prepaid.pk,
                created_at=now,
                kind=LedgerEntry.Kind.HELD,
                amount_cents=-held,
                memo=f"No mailing address on record: held as unclaimed property (item #{items[f'inactive-{d.prepaid.pk}'].pk}).",
            )
            for d, _, held in plans
            if held
        ]
    )
    Enrolment.objects.filter(prepaid_account_id__in=ids, ended_at__isnull=True).update(ended_at=now)
    PrepaidAccount.objects.filter(pk__in=ids).update(status=PrepaidAccount.Status.CLOSED, closed_at=now)
    closures = InactivityClosure.objects.bulk_create(
        InactivityClosure(
            prepaid_account_id=d.prepaid.pk,
            notice=d.notice,
            closed_at=now,
            amount_cents=d.prepaid.balance,
            refunded_cents=d.prepaid.balance - held,
            held_cents=held,
            unclaimed_item=items.get(f"inactive-{d.prepaid.pk}"),
        )
        for d, _, held in plans
    )
    InactivityClosure.refunds.through.objects.bulk_create(
        InactivityClosure.refunds.through(inactivityclosure_id=c.pk, refund_id=r.pk)
        for c, (_, own, _) in zip(closures, plans, strict=True)
        for r in own
    )
    log.info("inactivity sweep: closed %d AdvanceConnect accounts", len(plans))
    return [
        {
            "email": _email_of(d.prepaid),
            "action": "held" if held else "refunded",
            "amount": format_cents(d.prepaid.balance),
            "refunds": [
                {
                    "amount": format_cents(r.amount_cents),
                    "method": r.method,
                    **({"card_last4": r.card_last4} if r.method == Refund.Method.CARD else {}),
                }
                for r in own
            ],
        }
        for d, own, held in plans
    ]

"""Unclaimed property: money owed to people who could not be paid, written to them once more (the
due-diligence letter) and then reported to their state as presumed abandoned.

Items come from three places: a check voided uncashed, a check returned by USPS and not sent again
within RETURNED_GRACE_DAYS, and a prepaid balance held for lack of an address (`hold_balances`). Each
source gives one item ever (a unique key). An item is presumed abandoned `dormancy_years` after the
owner's last activity and goes into that state's first annual report on or after that day; owners of
items of at least `letter_min_cents` with an address are written to between `letter_days_before_max` and
`letter_days_before_min` days before the report. A reported item is marked remitted with its report and
is never reported again."""

from __future__ import annotations

import csv
import io
import logging
import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.addresses import ADDRESS_FIELDS, normalize_address
from audit.models import AuditEvent
from audit.services import record
from care.checks import reissue_check
from refunds.checks import safe_cell
from refunds.issuing import refund_for_line, save_refunds
from refunds.models import Check, Refund
from refunds.transitions import check_to
from refunds.windows import check_refund_window
from securus.closer_types import RefundLine, local_today
from securus.errors import Refused
from securus.money import format_cents
from securus.rules import rules_in_force

from .models import DormancyRule, HolderReport, UnclaimedItem

log = logging.getLogger(__name__)

RETURNED_GRACE_DAYS = 30  # customer care's time to find a new address before a returned check is unclaimed
OWED = (UnclaimedItem.Status.OPEN, UnclaimedItem.Status.LETTER_SENT)


class UnclaimedError(Refused):
    """An unclaimed-property action was refused; `message` is written for the agent."""


# --- rules ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dormancy:
    dormancy_years: int = 3
    report_month: int = 11
    report_day: int = 1
    letter_min_cents: int = 5000
    letter_days_before_max: int = 120
    letter_days_before_min: int = 60

    def report_date(self, year: int) -> date:
        return date(year, self.report_month, self.report_day)

    def next_report_date(self, day: date) -> date:
        this_year = self.report_date(day.year)
        return this_year if this_year >= day else self.report_date(day.year + 1)

    def presumed_by(self, report_date: date) -> date:
        """Items whose last activity is on or before this day are presumed abandoned by `report_date`."""
        try:
            return report_date.replace(year=report_date.year - self.dormancy_years)
        except ValueError:  # 29 February
            return report_date.replace(year=report_date.year - self.dormancy_years, day=28)


def dormancy_rule(state: str, day: date) -> Dormancy:
    default, by_state = rules_in_force(DormancyRule.objects.all(), day)
    rule = by_state.get(state, default)
    if rule is None:
        return Dormancy()
    return Dormancy(
        dormancy_years=rule.dormancy_years,
        report_month=rule.report_month,
        report_day=rule.report_day,
        letter_min_cents=rule.letter_min_cents,
        letter_days_before_max=rule.letter_days_before_max,
        letter_days_before_min=rule.letter_days_before_min,
    )


# --- items ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeldBalance:
    source_key: str
    account: object  # accounts.Account
    amount_cents: int
    arose_on: date
    last_activity_on: date


def _address_fields(account) -> dict:
    address = getattr(account, "address", None)
    if address is None:
        return {name: "" for name in ADDRESS_FIELDS}
    return {name: getattr(address, name) for name in ADDRESS_FIELDS}


def hold_balances(balances: list[HeldBalance], *, now) -> list[UnclaimedItem]:
    """Money that could not be sent (no address on record) becomes unclaimed-property items, one per
    source key; a repeated key returns the existing item. Call inside the caller's transaction."""
    if not balances:
        return []
    items = []
    for held in balances:
        fields = _address_fields(held.account)
        fields["state"] = fields["state"] or settings.UNCLAIMED_HOLDER_STATE
        items.append(
            UnclaimedItem(
                kind=UnclaimedItem.Kind.HELD_BALANCE,
                source_key=held.source_key,
                account=held.account,
                owner_name=held.account.name,
                amount_cents=held.amount_cents,
                arose_on=held.arose_on,
                last_activity_on=held.last_activity_on,
                created_at=now,
                **fields,
            )
        )
    UnclaimedItem.objects.bulk_create(items, ignore_conflicts=True)
    return list(UnclaimedItem.objects.filter(source_key__in=[h.source_key for h in balances]))


def collect_check_items(*, now=None, limit: int = 1000) -> int:
    """Voided and long-returned checks that were not sent again become items (set-based, bounded).
    Items of checks reissued since (customer care found the owner) are marked resolved."""
    now = now or timezone.now()
    returned_before = now - timedelta(days=RETURNED_GRACE_DAYS)
    checks = list(
        Check.objects.filter(
            Q(status=Check.Status.VOIDED)
            | Q(status=Check.Status.RETURNED, refund__updated_at__lte=returned_before),
            reissued_as__isnull=True,
            unclaimed_item__isnull=True,
        )
        .select_related("refund__account")
        .order_by("pk")[:limit]
    )
    items = [
        UnclaimedItem(
            kind=UnclaimedItem.Kind.STALE_CHECK
            if check.status == Check.Status.VOIDED
            else UnclaimedItem.Kind.RETURNED_CHECK,
            source_key=f"check-{check.pk}",
            account_id=check.refund.account_id,
            check_payment=check,
            owner_name=check.payee or check.refund.account.name,
            line1=check.line1,
            line2=check.line2,
            city=check.city,
            state=check.state or settings.UNCLAIMED_HOLDER_STATE,
            zip_code=check.zip_code,
            amount_cents=check.amount_cents,
            arose_on=local_today(check.voided_at or check.refund.updated_at),
            # The owner's last activity: the day the check was issued to them.
            last_activity_on=check.issue_date or local_today(check.created_at),
            created_at=now,
        )
        for check in checks
    ]
    created = UnclaimedItem.objects.bulk_create(items, ignore_conflicts=True)
    resolved = UnclaimedItem.objects.filter(
        status__in=OWED, check_payment__reissued_as__isnull=False, reissued_check__isnull=True
    ).update(status=UnclaimedItem.Status.RESOLVED)
    if checks or resolved:
        log.info("unclaimed: %d check items collected, %d resolved by a reissue", len(created), resolved)
    return len(created)


# --- due-diligence letters ------------------------------------------------------------------------

# What the letter and the holder report both say about the owner and the property.
OWNER_COLUMNS = [
    "owner_name",
    "line1",
    "line2",
    "city",
    "state",
    "zip_code",
    "amount",
    "property_type",
    "date_of_last_activity",
]
LETTER_COLUMNS = ["reference", "letter_date", *OWNER_COLUMNS, "answer_by"]


def _owner_row(item: UnclaimedItem) -> list[str]:
    """Names and addresses were typed by people: written so no spreadsheet runs them as formulas."""
    return [
        safe_cell(item.owner_name),
        safe_cell(item.line1),
        safe_cell(item.line2),
        safe_cell(item.city),
        item.state,
        item.zip_code,
        format_cents(item.amount_cents),
        item.get_kind_display(),
        item.last_activity_on.isoformat(),
    ]


def send_due_diligence_letters(*, today: date | None = None, limit: int = 5000) -> list[UnclaimedItem]:
    """Letters to owners of items due in a state's next report, inside its letter window: one mail-merge
    CSV row each (the print shop merges them into the letter). Each item gets one letter."""
    today = today or timezone.localdate()
    states = (
        UnclaimedItem.objects.filter(status=UnclaimedItem.Status.OPEN)
        .values_list("state", flat=True)
        .distinct()
    )
    chosen: list[int] = []
    answer_by: dict[int, date] = {}
    for state in states:
        rule = dormancy_rule(state, today)
        report_date = rule.next_report_date(today)
        window = (
            report_date - timedelta(days=rule.letter_days_before_max),
            report_date - timedelta(days=rule.letter_days_before_min),
        )
        if not window[0] <= today <= window[1]:
            continue
        ids = UnclaimedItem.objects.filter(
            _due_in(state, rule, report_date),
            status=UnclaimedItem.Status.OPEN,
            amount_cents__gte=rule.letter_min_cents,
        ).exclude(line1="")
        for pk in ids.order_by("pk").values_list("pk", flat=True)[: limit - len(chosen)]:
            chosen.append(pk)
            answer_by[pk] = report_date - timedelta(days=1)
    if not chosen:
        return []
    path = Path(settings.UNCLAIMED_DIR) / f"due-diligence-letters-{today:%Y%m%d}.csv"
    with transaction.atomic():
        # The conditional update is the claim: an item another run already wrote to is not written twice.
        items = list(
            UnclaimedItem.objects.select_for_update(skip_locked=True)
            .filter(pk__in=chosen, status=UnclaimedItem.Status.OPEN)
            .order_by("pk")
        )
        if not items:
            return []
        rows = [
            [f"UP-{item.pk}", today.isoformat(), *_owner_row(item), answer_by[item.pk].isoformat()]
            for item in items
        ]
        UnclaimedItem.objects.filter(pk__in=[i.pk for i in items]).update(
            status=UnclaimedItem.Status.LETTER_SENT, letter_sent_on=today, letter_file=str(path)
        )
        for item in items:
            item.status, item.letter_sent_on, item.letter_file = item.Status.LETTER_SENT, today, str(path)
        # Written last, inside the transaction: a failed write leaves the items for the next run.
        _append_csv(path, LETTER_COLUMNS, rows)
    log.info("unclaimed: %d due-diligence letters in %s", len(items), path)
    return items


def _due_in(state: str, rule: Dormancy, report_date: date) -> Q:
    return Q(state=state, report__isnull=True, last_activity_on__lte=rule.presumed_by(report_date))


def _append_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    # Owner-only, like the bank files: owners' names, addresses and amounts are not for the host.
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    new = not path.exists()
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        if new:
            writer.writerow(header)
        writer.writerows(rows)


# --- the owner answers --------------------------------------------------------------------------------


def claim_item(
    *, item: UnclaimedItem, actor, channel: str = "admin", call_reference: str = "", now=None, **address
) -> Check:
    """The owner answered the letter (or called): a new check is sent to the address they gave, or to the
    last known one. A voided or returned check is reissued (the old refund is replaced); a held balance
    becomes a check refund. Claiming twice returns the first check."""
    now = now or timezone.now()
    with transaction.atomic():
        item = UnclaimedItem.objects.select_for_update(of=("self",)).select_related("account").get(pk=item.pk)
        if item.reissued_check_id:
            return item.reissued_check
        if item.status == UnclaimedItem.Status.REMITTED:
            raise UnclaimedError(
                f"Already reported to {item.state} (report #{item.report_id}): the owner claims it from the state.",
                code="remitted",
            )
        if item.status not in OWED:
            raise UnclaimedError("This item has already been paid another way.", code="resolved")
        given = {name: (address.get(name) or "").strip() for name in ADDRESS_FIELDS}
        if item.check_payment_id:
            check = reissue_check(
                check=item.check_payment,
                actor=actor,
                channel=channel,
                call_reference=call_reference,
                now=now,
                **given,
            )
        else:
            check = _check_for_held(item, given, now=now)
        item.status = UnclaimedItem.Status.CLAIMED
        item.claimed_at = now
        item.reissued_check = check
        item.save(update_fields=["status", "claimed_at", "reissued_check"])
        record(
            actor=actor,
            action=AuditEvent.Action.UNCLAIMED_CLAIMED,
            obj=item,
            channel=channel,
            call_reference=call_reference,
            account=item.account,
            details={"check_id": check.pk, "new_address": any(given.values())},
            at=now,
        )
    return check


def _check_for_held(item: UnclaimedItem, given: dict, *, now) -> Check:
    if any(given.values()):
        address = normalize_address(**given).as_fields()
    else:
        address = {name: getattr(item, name) for name in ADDRESS_FIELDS}
    if not address["line1"]:
        raise UnclaimedError("Enter the owner's mailing address: none is on record.", code="no_address")
    expected_from, expected_to = check_refund_window(local_today(now))
    line = RefundLine(
        amount_cents=item.amount_cents,
        method=Refund.Method.CHECK,
        expected_from=expected_from,
        expected_to=expected_to,
        why="The owner answered about money held as unclaimed property.",
    )
    refund = refund_for_line(
        line=line, account_id=item.account_id, key_prefix=f"unclaimed-{item.pk}", index=0, now=now
    )
    save_refunds(
        [refund],
        notes=[line.why],
        check_for=lambda r: check_to(refund=r, payee=item.owner_name, address=address),
    )
    return refund.check_payment


# --- the holder report ---------------------------------------------------------------------------------

REPORT_COLUMNS = ["item", *OWNER_COLUMNS, "date_arose"]


def write_holder_report(*, state: str, year: int, now=None) -> HolderReport:
    """The annual report of items presumed abandoned in `state` by its report date in `year`: owners with
    a letter sent in time, or below the letter threshold, or with no address to write to. Items are
    marked remitted with the report's id; running it again for the same state and year rewrites the same
    file from the same items and adds none."""
    now = now or timezone.now()
    state = state.strip().upper()
    rule = dormancy_rule(state, date(year, 1, 1))
    report_date = rule.report_date(year)
    letter_in_time = report_date - timedelta(days=rule.letter_days_before_min)
    with transaction.atomic():
        report, created = HolderReport.objects.select_for_update().get_or_create(
            state=state, year=year, defaults={"created_at": now}
        )
        if created:
            eligible = UnclaimedItem.objects.filter(
                _due_in(state, rule, report_date),
                Q(amount_cents__lt=rule.letter_min_cents)
                | Q(line1="")
                | Q(status=UnclaimedItem.Status.LETTER_SENT, letter_sent_on__lte=letter_in_time),
                status__in=OWED,
            )
            UnclaimedItem.objects.filter(pk__in=eligible.values("pk")).update(
                status=UnclaimedItem.Status.REMITTED, report=report
            )
        items = list(report.items.order_by("pk"))
        rows = [[str(i.pk), *_owner_row(i), i.arose_on.isoformat()] for i in items]
        path = Path(settings.UNCLAIMED_DIR) / f"holder-report-{state}-{year}.csv"
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows([REPORT_COLUMNS, *rows])
        tmp = path.with_suffix(".csv.tmp")
        tmp.unlink(missing_ok=True)
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
            handle.write(buffer.getvalue())
        tmp.replace(path)  # never a half-written report
        report.item_count = len(items)
        report.total_cents = report.items.aggregate(t=Sum("amount_cents"))["t"] or 0
        report.file = str(path)
        report.save(update_fields=["item_count", "total_cents", "file"])
    log.info(
        "unclaimed: %s report %s: %d items, %s",
        state,
        year,
        report.item_count,
        format_cents(report.total_cents),
    )
    return report


REPORT_LEAD_DAYS = 14  # the report is written this long before its due date, for operations to file it


def write_due_reports(*, today: date | None = None) -> list[HolderReport]:
    """The daily job: for each state with money owed, write this year's report once the due date is
    REPORT_LEAD_DAYS away. A report already written for the state and year is left as it is."""
    today = today or timezone.localdate()
    reports = []
    states = UnclaimedItem.objects.filter(status__in=OWED).values_list("state", flat=True).distinct()
    for state in sorted(states):
        rule = dormancy_rule(state, date(today.year, 1, 1))
        due = rule.report_date(today.year)
        if not due - timedelta(days=REPORT_LEAD_DAYS) <= today <= due:
            continue
        if HolderReport.objects.filter(state=state, year=today.year).exists():
            continue
        reports.append(write_holder_report(state=state, year=today.year))
    return reports

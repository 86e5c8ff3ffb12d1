"""Check runs: queued checks numbered without gaps, written to the bank's positive-pay file and a printable
register, then marked printed and mailed. Stale checks are voided and reported in the next file.

A run has three steps, each safe to repeat: (1) number a bounded batch in one transaction, under a lock
that serialises numbering (so two runs at once never share a number or leave a gap); (2) write the files
and mark printed; (3) mark mailed. A run interrupted after step 1 or 2 is finished by the next run
before it numbers anything new, so no check is skipped or numbered twice."""

from __future__ import annotations

import csv
import functools
import io
import logging
import os
import re
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Sum
from django.utils import timezone

from accounts.addresses import ADDRESS_FIELDS
from securus.calendar import is_business_day
from securus.money import dollars, format_cents

from . import transitions
from .models import Check, CheckRun, address_lines
from .transitions import VOID_AFTER_DAYS

log = logging.getLogger(__name__)

FIRST_CHECK_NUMBER = 100001
_NUMBERING_LOCK = 0x5EC0C4EC  # pg_advisory_xact_lock key: one numbering at a time


def _lock_numbering():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_NUMBERING_LOCK])
    # SQLite (laptop demo) allows one writer at a time anyway.


def run_checks_if_business_day(*, limit: int = 500, today: date | None = None) -> CheckRun | None:
    today = today or timezone.localdate()
    if not is_business_day(today):
        log.info("check run: %s is not a business day", today)
        return None
    return run_checks(today=today, limit=limit)


def run_checks(*, today: date | None = None, limit: int = 500) -> CheckRun | None:
    """Finish any interrupted run, then number, print and mail one batch. Returns the new run, if any."""
    today = today or timezone.localdate()
    for run_id in (
        CheckRun.objects.exclude(status=CheckRun.Status.MAILED).order_by("pk").values_list("pk", flat=True)
    ):
        _finish(run_id=run_id)
    run = _number_batch(today=today, limit=limit)
    if run is None:
        return None
    _finish(run_id=run.pk)
    run.refresh_from_db()
    return run


def _number_batch(*, today: date, limit: int) -> CheckRun | None:
    with transaction.atomic():
        _lock_numbering()
        check_ids = list(
            transitions.mailable_checks()
            .order_by("created_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        void_ids = list(
            Check.objects.filter(
                status=Check.Status.VOIDED, void_run__isnull=True, check_number__isnull=False
            )
            .order_by("check_number")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if not check_ids and not void_ids:
            return None
        last = Check.objects.aggregate(n=Max("check_number"))["n"] or FIRST_CHECK_NUMBER - 1
        run = CheckRun.objects.create(run_date=today)
        numbered = _number(check_ids, run=run, first=last + 1, today=today)
        Check.objects.filter(pk__in=void_ids).update(void_run=run)
        totals = Check.objects.filter(check_run=run).aggregate(n=Sum("amount_cents"))
        CheckRun.objects.filter(pk=run.pk).update(check_count=numbered, total_cents=totals["n"] or 0)
    log.info("check run %s: numbered %d checks, %d voids", run.pk, numbered, len(void_ids))
    return run


def _number(check_ids: list[int], *, run: CheckRun, first: int, today: date) -> int:
    """Number the checks consecutively from `first`, oldest first, in one set-based UPDATE (a bulk_update
    builds a CASE per column with a branch per check, which PostgreSQL's JIT takes minutes to compile)."""
    if not check_ids:
        return 0
    if connection.vendor != "postgresql":  # the laptop demo on SQLite: few checks, row by row
        for offset, pk in enumerate(
            Check.objects.filter(pk__in=check_ids).order_by("created_at", "pk").values_list("pk", flat=True)
        ):
            Check.objects.filter(pk=pk).update(
                check_number=first + offset,
                check_run=run,
                issue_date=today,
                void_after=today + timedelta(days=VOID_AFTER_DAYS),
            )
        return len(check_ids)
    table = Check._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} AS c
               SET check_number = %s + n.position - 1, check_run_id = %s, issue_date = %s, void_after = %s
              FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS position
                      FROM {table} WHERE id = ANY(%s)) AS n
             WHERE c.id = n.id
            """,
            [first, run.pk, today, today + timedelta(days=VOID_AFTER_DAYS), check_ids],
        )
        return cursor.rowcount


def _finish(*, run_id: int) -> None:
    """Steps 2 and 3 for one run; each is a conditional transition, so repeating it does nothing."""
    with transaction.atomic():
        run = CheckRun.objects.select_for_update(skip_locked=True).filter(pk=run_id).first()
        if run is None:
            return  # another run is finishing it
        if run.status == CheckRun.Status.OPEN:
            _write_files(run)
            transitions.print_run(run)
            run.status = CheckRun.Status.PRINTED
            run.save(update_fields=["status", "positive_pay_file", "register_file"])
    with transaction.atomic():
        run = CheckRun.objects.select_for_update(skip_locked=True).filter(pk=run_id).first()
        if run is None or run.status != CheckRun.Status.PRINTED:
            return
        deletion_ids = transitions.mail_run(run)
        run.status = CheckRun.Status.MAILED
        run.completed_at = timezone.now()
        run.save(update_fields=["status", "completed_at"])
        transitions.erase_snapshots_if_settled(deletion_ids=deletion_ids)


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_cell(value: str) -> str:
    """Text from a person (the payee) as the bank's spreadsheet must read it: never as a formula. A cell
    starting with = + - @, tab or CR gets a leading apostrophe (OWASP's advice), and control characters
    (a newline would start a forged line in the register) become spaces."""
    value = str(value)
    if value.startswith(_FORMULA_STARTS):
        value = "'" + value
    return _CONTROL.sub(" ", value)


_FILE_FIELDS = ("check_number", "amount_cents", "issue_date", "void_after", "payee", *ADDRESS_FIELDS)


def _run_checks(run: CheckRun) -> tuple[list, list]:
    """The run's checks and the voids it reports, each read once for both files, as named rows (the
    fields the files print) rather than models: a run has thousands."""
    issued = (
        Check.objects.filter(check_run=run).order_by("check_number").values_list(*_FILE_FIELDS, named=True)
    )
    voided = (
        Check.objects.filter(void_run=run).order_by("check_number").values_list(*_FILE_FIELDS, named=True)
    )
    return list(issued), list(voided)


def positive_pay_rows(issued: list, voided: list) -> list[list[str]]:
    account = settings.POSITIVE_PAY_ACCOUNT_NUMBER
    rows = [["account_number", "check_number", "amount", "issue_date", "payee", "code"]]
    for code, checks in (("I", issued), ("V", voided)):
        rows.extend(
            [
                account,
                str(check.check_number),
                format_cents(check.amount_cents),
                check.issue_date.isoformat(),
                safe_cell(check.payee),
                code,
            ]
            for check in checks
        )
    return rows


def register_text(run: CheckRun, issued: list, voided: list) -> str:
    lines = [f"Securus Online refund checks: run {run.pk} of {run.run_date:%Y-%m-%d}", ""]
    for check in issued:
        lines.append(
            f"Check no. {check.check_number}   {_us_date(check.issue_date)}   {dollars(check.amount_cents)}"
        )
        lines.append(f"  Pay to the order of: {safe_cell(check.payee)}")
        lines.extend(f"  {safe_cell(line)}" for line in address_lines(check))
        lines.append(f"  Void after {_us_date(check.void_after)}")
        lines.append("")
    if voided:
        lines.append("Voided (uncashed past their void-after date; reissue or report as unclaimed property):")
        lines.extend(
            f"  Check no. {c.check_number}  {dollars(c.amount_cents)}  {safe_cell(c.payee)}" for c in voided
        )
        lines.append("")
    lines.append(f"{len(issued)} checks, total {dollars(sum(c.amount_cents for c in issued))}")
    return "\n".join(lines) + "\n"


@functools.lru_cache(maxsize=512)
def _us_date(day: date) -> str:
    return f"{day:%m/%d/%Y}"  # a run's checks share their issue and void-after dates


def _write_files(run: CheckRun) -> None:
    """Written from the database, so writing again after an interruption gives the same files."""
    folder = Path(settings.CHECK_RUN_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stem = f"checkrun-{run.run_date:%Y%m%d}-{run.pk}"
    issued, voided = _run_checks(run)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(positive_pay_rows(issued, voided))
    pay, register = folder / f"{stem}-positive-pay.csv", folder / f"{stem}-register.txt"
    for path, text in ((pay, buffer.getvalue()), (register, register_text(run, issued, voided))):
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.unlink(missing_ok=True)
        # Owner-only from the first byte: payees, amounts and addresses are for the bank, not the host.
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
            handle.write(text)
        tmp.replace(path)  # never a half-written file for the bank
    run.positive_pay_file, run.register_file = str(pay), str(register)


def void_stale_checks(*, today: date | None = None, limit: int = 500) -> list[Check]:
    """Void mailed checks not cashed by their void-after date; they go to the bank as voids in the next run
    and are listed for reissue or unclaimed-property reporting."""
    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        checks = list(
            transitions.stale_checks(today=today)
            .order_by("void_after", "pk")
            .select_for_update(skip_locked=True)[:limit]
        )
        if not checks:
            return []
        transitions.void(checks, now=now)
    for check in checks:
        log.warning(
            "voided stale check %s (%s): reissue or report as unclaimed property",
            check.check_number,
            dollars(check.amount_cents),
        )
    return checks

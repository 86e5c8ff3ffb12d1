"""`make bench`: the deletion path, the batch jobs at scale and the pages under load, on PostgreSQL.

Seeds its own data in its own database (BENCH_DB, default securus_bench; dropped and created again at each
run unless BENCH_KEEP_DB=1), prints a table and, as its very last line, `BENCH {json}`.

    make bench                                  # everything, at the sizes the README quotes
    make bench ONLY=directbill,checkrun         # a subset: delete, directbill, checkrun, cards, admin,
                                                #   page, confirm, inactivity
    BENCH_DIRECTBILL_N=20000 BENCH_ADMIN_N=100000 make bench ONLY=directbill,admin   # smaller, quicker

Servers it starts (gunicorn, Celery workers, the fake Stripe) listen on 127.0.0.1 only and are stopped at
the end. Timings on a shared machine are noisy: compare runs on the same machine."""

import itertools
import json
import os
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = os.environ.get("BENCH_DB", "securus_bench")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DATABASE_URL = f"{PG}/{BENCH_DB}"
REDIS_URL = os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/14"
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "bench_site",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "LOG_LEVEL": "WARNING",
        "EMAIL_URL": "dummymail://",
        "DEBUG": "false",
    }
)
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
os.environ.setdefault("RETIRED_EMAIL_KEY", "bench-only-retired-email-key")
sys.path.insert(0, str(ROOT / "scripts"))
# Worker and web processes find bench_site too.
os.environ["PYTHONPATH"] = os.pathsep.join(
    filter(None, [str(ROOT / "scripts"), str(ROOT), os.environ.get("PYTHONPATH")])
)

SECTIONS = ["delete", "directbill", "checkrun", "cards", "admin", "page", "confirm", "inactivity"]
ONLY = [s.strip() for s in os.environ.get("ONLY", "").split(",") if s.strip()] or SECTIONS
SIZES = {
    "delete_large": int(os.environ.get("BENCH_DELETE_LARGE", 500)),
    "directbill": int(os.environ.get("BENCH_DIRECTBILL_N", 100_000)),
    "checkrun": int(os.environ.get("BENCH_CHECKS_N", 10_000)),
    "cards": int(os.environ.get("BENCH_CARD_REFUNDS_N", 2_000)),
    "admin": int(os.environ.get("BENCH_ADMIN_N", 1_000_000)),
    "wrk_seconds": int(os.environ.get("BENCH_WRK_SECONDS", 10)),
    "confirm_each": int(os.environ.get("BENCH_CONFIRM_EACH", 8)),  # deletions per client (8 clients)
}
PASSWORD = "Bench-pass-2026"
ROWS: list[tuple[str, str, str]] = []  # (what, value, note) for the table
RESULT: dict[str, float] = {}


def row(what, value, note=""):
    ROWS.append((what, value, note))
    print(f"  {what}: {value} {note}", flush=True)


# --- database and data ------------------------------------------------------------------------------


def prepare_database():
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone()
        if exists and os.environ.get("BENCH_KEEP_DB") != "1":
            conn.execute(f'DROP DATABASE "{BENCH_DB}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def copy_rows(model, rows):
    """COPY dicts of attnames into the model's table; fields not given take their default."""
    from django.db import connection

    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    pk = model._meta.pk
    # Without ids the sequence numbers the rows.
    fields = [f for f in model._meta.concrete_fields if f is not pk or pk.attname in first]
    defaults = {f.attname: f.get_default() for f in fields}
    # A callable default (a random tracking key, say) is drawn per row, as saving each row would.
    per_row = [f for f in fields if f.has_default() and callable(f.default) and f.attname not in first]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        with cursor.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
            for data in itertools.chain([first], rows):
                if per_row:
                    data = {**{f.attname: f.get_default() for f in per_row}, **data}
                values = []
                for f in fields:
                    value = data.get(f.attname, defaults[f.attname])
                    values.append(json.dumps(value) if isinstance(value, dict | list) else value)
                copy.write_row(values)


def reserve_ids(model, count):
    """Ids first..first+count-1, taken from the table's sequence so later inserts do not collide."""
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            f'GREATEST((SELECT COALESCE(MAX(id), 0) FROM "{table}"), '
            f"(SELECT last_value FROM {table}_id_seq)) + %s) - %s + 1",
            [table, count, count],
        )
        return cursor.fetchone()[0]


def seed_deleted_accounts(n, *, prefix):
    """n deleted accounts with a deletion each (contact email kept: money still follows). Returns the first
    account id; account i and deletion i share an offset."""
    from django.utils import timezone

    from accounts.models import Account
    from deletion.models import AccountDeletion

    now = timezone.now()
    first = reserve_ids(Account, n)
    first_deletion = reserve_ids(AccountDeletion, n)
    copy_rows(
        Account,
        (
            {"id": first + i, "name": "", "status": "deleted", "created_at": now, "deleted_at": now}
            for i in range(n)
        ),
    )
    address = {"line1": "5 Elm St", "line2": "", "city": "Tulsa", "state": "OK", "zip_code": "74103"}
    copy_rows(
        AccountDeletion,
        (
            {
                "id": first_deletion + i,
                "account_id": first + i,
                "channel": "web",
                "holder_name": f"{prefix} Holder {i}",
                "contact_email": f"{prefix}-{i}@example.com",
                "mailing_address": address,
                "created_at": now,
            }
            for i in range(n)
        ),
    )
    return first, first_deletion


def seed_refunds(n, first_account, first_deletion, fields):
    """n refunds, refund i owed by deletion i; `fields(i)` gives the rest. Returns the first refund id."""
    from refunds.models import Refund

    first = reserve_ids(Refund, n)
    copy_rows(
        Refund,
        (
            {"id": first + i, "account_id": first_account + i, "deletion_id": first_deletion + i, **fields(i)}
            for i in range(n)
        ),
    )
    return first


def analyze():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- processes -------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port} after {timeout} s")


def wait_http(url, timeout=60):
    """Until the web workers answer (the master listens before they have imported Django)."""
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)


@contextmanager
def process(cmd, *, env=None, port=None, name="process"):
    log = tempfile.NamedTemporaryFile(prefix=f"bench-{name}-", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        if port:
            wait_port(port)
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def gunicorn(port, workers=2, env=None):
    return process(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "--pythonpath",
            str(ROOT / "scripts"),
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
            "securus.wsgi:application",
        ],
        env={"CONN_MAX_AGE": "600", **(env or {})},
        port=port,
        name="gunicorn",
    )


def wrk(url, seconds, cookie=None):
    """Requests/s and the note on errors; any response other than 2xx/3xx fails the benchmark."""
    cmd = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if bad or not rate:
        raise RuntimeError(f"{url}: not every response was 2xx/3xx:\n{out}")
    p50 = re.search(r"\n\s+50%\s+(\S+)", out).group(1)
    errors = re.search(r"Socket errors: .*", out)
    return rate, f"p50 {p50}" + (f", {errors.group(0)}" if errors else "")


def cpu_seconds_by_group(groups, *, database=None):
    """CPU seconds (user + system) used so far by every process of each process group (the servers
    `process` starts each lead a session of their own), and with `database`, by the PostgreSQL backends
    connected to it (their command line names the database). {name: seconds}."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = dict.fromkeys([*groups, *(["postgres"] if database else [])], 0.0)
    wanted = {pgid: name for name, pgid in groups.items()}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            cmdline = Path(entry.path, "cmdline").read_bytes() if database else b""
        except OSError:
            continue  # exited meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        used = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        name = wanted.get(int(fields[2]))  # pgrp
        if (
            name is None
            and database
            and cmdline.startswith(b"postgres: ")
            and f" {database} ".encode() in cmdline
        ):
            name = "postgres"
        if name is not None:
            found[name] += used
    return found


def purge_broker():
    import redis

    redis.Redis.from_url(REDIS_URL, socket_timeout=5).flushdb()


@contextmanager
def profiled(what):
    """BENCH_PROFILE=1: print where the time of a timed block goes (slower while on)."""
    if os.environ.get("BENCH_PROFILE") != "1":
        yield
        return
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        print(f"--- profile: {what}")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)


def median_ms(fn, repeat=7):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


# --- sections ------------------------------------------------------------------------------------


def bench_delete():
    from celery import signals
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from deletion.demo import long_history
    from deletion.scenario import load_scenario
    from deletion.services import delete_account, plan_deletion

    published = []

    def count(sender=None, **kwargs):
        published.append(sender)

    signals.before_task_publish.connect(count, weak=False)
    delete_account(
        load_scenario(data=long_history(f"warm-{uuid.uuid4().hex[:8]}@example.com", 1)),
        actor=None,
        channel="web",
    )
    for label, n in (("small", 1), ("large", SIZES["delete_large"])):
        times, queries, messages = [], [], []
        for _ in range(5):
            account = load_scenario(data=long_history(f"bench-{n}-{uuid.uuid4().hex[:8]}@example.com", n))
            published.clear()
            with CaptureQueriesContext(connection) as q:
                start = time.perf_counter()
                delete_account(
                    account,
                    actor=None,
                    channel="web",
                    expected_fingerprint=plan_deletion(account).fingerprint,
                )
                times.append((time.perf_counter() - start) * 1000)
            queries.append(len(q))
            messages.append(len(published))
        RESULT[f"delete_queries_{label}"] = max(queries)
        RESULT[f"delete_ms_{label}"] = round(statistics.median(times), 1)
        row(
            f"plan_deletion + delete_account, {n} of each row",
            f"{statistics.median(times):.1f} ms",
            f"{max(queries)} queries, {max(messages)} broker messages",
        )
    signals.before_task_publish.disconnect(count)
    purge_broker()


def bench_directbill():
    from django.utils import timezone

    from directbill import tasks
    from directbill.models import Charge, ClosureRequest, DirectBillAccount, Statement

    n = SIZES["directbill"]
    today = timezone.localdate()
    start = time.perf_counter()
    first_account, first_deletion = seed_deleted_accounts(n, prefix="db")
    first_db = reserve_ids(DirectBillAccount, n)
    copy_rows(
        DirectBillAccount,
        ({"id": first_db + i, "account_id": first_account + i, "status": "closing"} for i in range(n)),
    )
    copy_rows(
        ClosureRequest,
        (
            {
                "directbill_account_id": first_db + i,
                "deletion_id": first_deletion + i,
                "close_after": today - timedelta(days=1),
                "close_by": today + timedelta(days=2),
            }
            for i in range(n)
        ),
    )
    # A quarter owe something: two unbilled charges each.
    copy_rows(
        Charge,
        (
            {"directbill_account_id": first_db + i, "amount_cents": 155 + i % 7}
            for i in range(0, n, 4)
            for _ in range(2)
        ),
    )
    analyze()
    print(f"  seeded {n} Direct Bill closures in {time.perf_counter() - start:.1f} s", flush=True)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with profiled("directbill"):
        closed = tasks.close_held_accounts()
    elapsed = time.perf_counter() - start
    rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    statements = Statement.objects.filter(is_final=True).count()
    emailed = Statement.objects.filter(is_final=True, emailed_at__isnull=False).count()
    assert closed == n and statements == emailed == (n + 3) // 4, (closed, statements, emailed)
    RESULT["directbill_close_per_s"] = round(n / elapsed)
    row(
        f"Direct Bill job: {n} due closures, {statements} final statements emailed",
        f"{n / elapsed:,.0f} closures/s",
        f"{elapsed:.1f} s, peak RSS grew {rss_growth:.0f} MB",
    )


def bench_checkrun():
    from django.conf import settings
    from django.utils import timezone

    from refunds import checks, tasks
    from refunds.models import Check
    from securus.schedule import BEAT_SCHEDULE

    n = SIZES["checkrun"]
    settings.CHECK_RUN_DIR = Path(tempfile.mkdtemp(prefix="bench-checkruns-"))
    first_account, first_deletion = seed_deleted_accounts(n, prefix="chk")
    today = timezone.localdate()
    first_refund = seed_refunds(
        n,
        first_account,
        first_deletion,
        lambda i: {
            "amount_cents": 100 + i % 5000,
            "method": "check",
            "status": "check_queued",
            "expected_from": today + timedelta(days=14),
            "expected_to": today + timedelta(days=21),
            "idempotency_key": f"bench-check-{i}",
        },
    )
    copy_rows(
        Check,
        (
            {
                "refund_id": first_refund + i,
                "amount_cents": 100 + i % 5000,
                "payee": f"Check Holder {i}",
                "line1": "5 Elm St",
                "city": "Tulsa",
                "state": "OK",
                "zip_code": "74103",
            }
            for i in range(n)
        ),
    )
    analyze()
    limit = next(e["kwargs"]["limit"] for e in BEAT_SCHEDULE.values() if e["task"] == tasks.run_checks.name)
    with connection_jit() as jit, profiled("checkrun"):
        start = time.perf_counter()
        runs = 0
        while checks.run_checks(today=today, limit=limit):
            runs += 1
        elapsed = time.perf_counter() - start
    numbers = list(Check.objects.order_by("check_number").values_list("check_number", flat=True))
    assert len(numbers) == n and numbers == list(range(numbers[0], numbers[0] + n)), (
        "check numbers not gapless"
    )
    assert not Check.objects.exclude(status="mailed").exists()
    RESULT["check_run_s_10k"] = round(elapsed, 2)
    row(
        f"check runs: {n} checks numbered, filed, printed and mailed",
        f"{elapsed:.2f} s",
        f"{runs} runs of up to {limit}, JIT {jit}",
    )


@contextmanager
def connection_jit():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        yield cursor.fetchone()[0]


def bench_cards():
    from django.utils import timezone

    from prepaid.models import Payment, PrepaidAccount
    from refunds.models import Refund

    n = SIZES["cards"]
    first_account, first_deletion = seed_deleted_accounts(n, prefix="card")
    first_prepaid = reserve_ids(PrepaidAccount, n)
    copy_rows(
        PrepaidAccount,
        ({"id": first_prepaid + i, "account_id": first_account + i, "status": "closed"} for i in range(n)),
    )
    first_payment = reserve_ids(Payment, n)
    copy_rows(
        Payment,
        (
            {
                "id": first_payment + i,
                "prepaid_account_id": first_prepaid + i,
                "amount_cents": 2500,
                "method": "card",
                "card_brand": "visa",
                "card_last4": "4242",
                "stripe_charge_id": f"ch_bench{first_payment + i}",
            }
            for i in range(n)
        ),
    )
    today = timezone.localdate()
    first_refund = seed_refunds(
        n,
        first_account,
        first_deletion,
        lambda i: {
            "amount_cents": 1000 + i % 1500,
            "method": "card",
            "status": "pending",
            "payment_id": first_payment + i,
            "card_brand": "visa",
            "card_last4": "4242",
            "expected_from": today + timedelta(days=2),
            "expected_to": today + timedelta(days=3),
            "idempotency_key": f"refund-bench-charge-{first_payment + i}",
            "enqueued_at": timezone.now(),  # the sweep leaves them to the queue
        },
    )
    analyze()
    purge_broker()
    web, stripe_port = free_port(), free_port()
    secret = "whsec_bench"
    env = {
        "STRIPE_API_BASE": f"http://127.0.0.1:{stripe_port}",
        "STRIPE_WEBHOOK_SECRET": secret,
        "STRIPE_MAX_NETWORK_RETRIES": "0",
        "CONN_MAX_AGE": "600",
    }
    fake = [sys.executable, "-m", "fakestripe", "--port", str(stripe_port), "--webhook-secret", secret]
    fake += ["--webhook-url", f"http://127.0.0.1:{web}/refunds/stripe/webhook/", "--auto-settle", "0"]
    worker = [sys.executable, "-m", "celery", "-A", "securus", "worker", "-c", "2", "-O", "fair"]
    worker += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"]
    with (
        process(fake, env=env, port=stripe_port, name="fakestripe") as fake_proc,
        gunicorn(web, env=env) as web_proc,
    ):
        from refunds.tasks import submit_card_refund
        from securus.celery import app

        wait_http(f"http://127.0.0.1:{web}/bench-ok/")
        ids = list(range(first_refund, first_refund + n))
        for refund_id in ids:  # queued before the workers start
            submit_card_refund.delay(refund_id)

        def succeeded():
            # The ids are one range: counting by range keeps the poll cheap beside what it measures.
            return Refund.objects.filter(pk__range=(ids[0], ids[-1]), status="succeeded").count()

        with process(worker, env=env, name="worker") as worker_proc:
            # The clock starts once the worker answers a ping (its pool is up and it consumes): what it
            # finished before that is left out of the count, so the rate is the workers' alone.
            deadline = time.monotonic() + 120
            while not app.control.ping(timeout=0.2):
                assert worker_proc.poll() is None, "the worker exited: see its log in /tmp/bench-worker-*"
                assert time.monotonic() < deadline, "the worker did not answer a ping in 120 s"
            start = time.perf_counter()
            groups = {"worker": worker_proc.pid, "web": web_proc.pid, "fakestripe": fake_proc.pid}
            cpu_before = cpu_seconds_by_group(groups, database=BENCH_DB)
            before = succeeded()
            limit = max(120, n / 5)  # seconds
            done = before
            while done < n and time.perf_counter() - start < limit:
                assert worker_proc.poll() is None, "the worker exited: see its log in /tmp/bench-worker-*"
                time.sleep(0.1)
                done = succeeded()
            elapsed = time.perf_counter() - start
            cpu_after = cpu_seconds_by_group(groups, database=BENCH_DB)
    purge_broker()
    assert done == n, f"only {done} of {n} card refunds succeeded"
    timed = done - before
    rate = timed / elapsed
    RESULT["card_refunds_per_s"] = round(rate, 1)
    cpu_ms = {name: (cpu_after[name] - cpu_before[name]) * 1000 / timed for name in cpu_before}
    row(
        f"card refunds: {n} queued -> succeeded by webhook, 2 worker processes",
        f"{rate:.0f} /s",
        f"{timed} in {elapsed:.1f} s from the worker's first ping answer ({before} done before it)",
    )
    row(
        "card refunds: CPU per refund",
        f"{sum(cpu_ms.values()):.1f} ms",
        ", ".join(f"{name} {ms:.1f}" for name, ms in cpu_ms.items()),
    )


LAST_NAMES = [
    "Garcia",
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
]
FIRST_NAMES = [
    "Ana",
    "Bo",
    "Carla",
    "Dee",
    "Eli",
    "Fay",
    "Gus",
    "Hana",
    "Ivan",
    "Jo",
    "Kim",
    "Lou",
    "Mia",
    "Ned",
]


def bench_admin():
    from django.test import Client

    from accounts.models import Account, User
    from care.search import search_account_ids

    n = SIZES["admin"]
    if not User.objects.filter(email=f"caller{n - 1}@example.com").exists():  # BENCH_KEEP_DB keeps them
        seed_callers(n)
    admin, _ = User.objects.get_or_create(
        email="bench-admin@example.com", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(admin)
    url = "/admin/accounts/account/"
    fragment = Account.objects.get(user__email=f"caller{n // 2}@example.com").phone[-7:]

    def get(params):
        def fetch():
            response = client.get(url, params)
            assert response.status_code == 200, response.status_code
            return response

        return fetch

    found = get({"q": fragment})()
    assert fragment in found.content.decode(), "phone fragment search found nothing"
    # The search itself (what the agent waits for before the page is drawn), then whole pages.
    search = median_ms(lambda: search_account_ids(fragment))
    by_phone = median_ms(get({"q": fragment}))
    plain = median_ms(get({}))
    by_name = median_ms(get({"q": "Thompson"}))
    RESULT["admin_search_ms"] = round(search, 1)
    RESULT["admin_changelist_ms"] = round(max(plain, by_name), 1)
    row(f"admin search, 7-digit phone fragment, {n:,} accounts", f"{search:.1f} ms", "median of 7, the query")
    row("admin account list page, phone fragment search", f"{by_phone:.1f} ms", "median of 7")
    row("admin account list page, no search", f"{plain:.1f} ms", "median of 7")
    row("admin account list page, last-name search", f"{by_name:.1f} ms", "median of 7")


def seed_callers(n):
    """n accounts with a user each and half with an address, by COPY."""
    from django.utils import timezone

    from accounts.models import Account, Address, User

    start = time.perf_counter()
    now = timezone.now()
    first_user = reserve_ids(User, n)
    copy_rows(
        User,
        (
            {
                "id": first_user + i,
                "email": f"caller{i}@example.com",
                "password": "!",
                "name": "",
                "date_joined": now,
            }
            for i in range(n)
        ),
    )
    first_account = reserve_ids(Account, n)

    def name(i):
        return f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[(i // 7) % len(LAST_NAMES)]}{'' if i % 3 else 'son'}"

    copy_rows(
        Account,
        (
            {
                "id": first_account + i,
                "user_id": first_user + i,
                "name": name(i),
                "phone": f"+1{2000000000 + (i * 7919) % 7999999999}",
                "created_at": now - timedelta(minutes=i),
            }
            for i in range(n)
        ),
    )
    copy_rows(
        Address,
        (
            {
                "account_id": first_account + i,
                "line1": f"{i % 9000 + 1} Main St",
                "city": "Dallas",
                "state": "TX",
                "zip_code": f"75{i % 1000:03d}",
            }
            for i in range(0, n, 2)
        ),
    )
    # VACUUM as autovacuum would soon after a load: rows COPYed in sit in the trigram (GIN) indexes'
    # pending list until then, which every search scans (25 ms where the settled index answers in 4).
    from django.db import connection

    with connection.cursor() as cursor:
        for model in (User, Account, Address):
            cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
    analyze()
    print(
        f"  seeded {n} accounts (users, half with an address) in {time.perf_counter() - start:.1f} s",
        flush=True,
    )


def family_account(n=20):
    """An account with every service, signed in; returns (account, email, session cookie value)."""
    from django.test import Client

    from deletion.demo import long_history
    from deletion.scenario import load_scenario

    email = f"page-{uuid.uuid4().hex[:10]}@example.com"
    account = load_scenario(data=long_history(email, n, password=PASSWORD))
    client = Client()
    assert client.login(username=email, password=PASSWORD)
    return account, email, client


def bench_page():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _, _, client = family_account()
    client.get("/")
    with CaptureQueriesContext(connection) as q:
        assert client.get("/").status_code == 200
    RESULT["account_page_queries"] = len(q)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    port = free_port()
    seconds = SIZES["wrk_seconds"]
    with gunicorn(port):
        wait_http(f"http://127.0.0.1:{port}/bench-ok/")
        wrk(f"http://127.0.0.1:{port}/bench-ok/", 2)  # warm both workers
        bare, bare_note = wrk(f"http://127.0.0.1:{port}/bench-ok/", seconds)
        page, page_note = wrk(f"http://127.0.0.1:{port}/", seconds, cookie=cookie)
    RESULT["account_page_ratio"] = round(page / bare, 3)
    row(
        "bare view returning ok (gunicorn -w 2, wrk -t2 -c16)",
        f"{bare:,.0f} req/s",
        f"{seconds} s, {bare_note}",
    )
    row(
        "My Account, signed in, every service",
        f"{page:,.0f} req/s",
        f"{len(q)} queries, ratio {page / bare:.3f}, {page_note}",
    )


def bench_confirm():
    import requests

    from tests.faults import confirm_deletion

    clients, each = 8, SIZES["confirm_each"]
    sessions = []
    for _ in range(clients * each):
        _, _, client = family_account(n=5)
        sessions.append(client.cookies["sessionid"].value)
    purge_broker()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    latencies, failures = [], []
    lock = threading.Lock()

    def delete_one(http, sessionid):
        http.cookies.clear()
        http.cookies.set("sessionid", sessionid)
        _, response, seconds = confirm_deletion(http, base, PASSWORD)
        took = seconds * 1000
        with lock:
            latencies.append(took)
            if response.status_code != 302 or "/delete/done/" not in response.headers.get("Location", ""):
                failures.append(response.status_code)

    def run(mine):
        http = requests.Session()
        for sessionid in mine:
            try:
                delete_one(http, sessionid)
            except Exception as exc:  # reported after the run
                with lock:
                    failures.append(repr(exc))

    with gunicorn(port):
        wait_http(f"{base}/bench-ok/")
        threads = [threading.Thread(target=run, args=(sessions[i::clients],)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    purge_broker()
    assert not failures, f"confirm failed: {failures}"
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    RESULT["delete_confirm_p50_ms"] = round(p50, 1)
    row(
        f"Delete Account confirm POST, {clients} clients, {len(latencies)} deletions",
        f"p50 {p50:.0f} ms",
        f"p95 {p95:.0f} ms",
    )


def bench_inactivity():
    """The inactive-balance sweep: accounts seeded set-based, then the notice pass and the closure pass."""
    from inactivity.bench import measure_sweep

    sweep = measure_sweep(int(os.environ.get("BENCH_INACTIVE_ACCOUNTS", "10000")))
    RESULT["inactivity_sweep_per_min"] = sweep["inactivity_sweep_per_min"]
    row(
        f"inactivity sweep, {sweep['accounts']} accounts (the slower pass)",
        f"{sweep['inactivity_sweep_per_min']:,} /min",
        f"notices {sweep['notice_per_min']:,}/min, closures {sweep['close_per_min']:,}/min",
    )


def main():
    unknown = set(ONLY) - set(SECTIONS)
    if unknown:
        sys.exit(f"unknown ONLY section(s): {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
    prepare_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    print(f"bench database {BENCH_DB}, broker {REDIS_URL}, sections {','.join(ONLY)}", flush=True)
    for section in SECTIONS:
        if section in ONLY:
            print(f"[{section}]", flush=True)
            start = time.perf_counter()
            globals()[f"bench_{section}"]()
            print(f"  ({time.perf_counter() - start:.0f} s)", flush=True)
    width = max(len(r[0]) for r in ROWS)
    print()
    print(f"{'what':<{width}}  {'result':>20}  note")
    for what, value, note in ROWS:
        print(f"{what:<{width}}  {value:>20}  {note}")
    print("BENCH " + json.dumps(RESULT, sort_keys=True))


if __name__ == "__main__":
    main()

"""Faults mid-flight, and nothing lost: Redis down when a deletion commits, PostgreSQL dropping the
connection while the check run numbers and while the Direct Bill job closes, a worker killed mid check run,
Stripe timing out and answering 500 and 429 for a while, beat firing every job twice. Each test ends with
the reconciliation: every cent accounted for, one Stripe refund per allocation, check numbers gapless."""

import threading
import time
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone
from kombu import pools

from deletion.services import delete_account
from directbill import tasks as directbill_tasks
from directbill.models import Charge, ClosureRequest, DirectBillAccount, Statement
from refunds import cards, checks
from refunds import tasks as refund_tasks
from refunds.models import Check, CheckRun, Refund
from refunds.tests.helpers import make_check_refund, make_deletion
from securus.celery import app
from tests.faults import TcpProxy, card_account, reconcile
from tests.workers import WAIT, kill_group, stop_gracefully, wait_for, worker_thread

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
RUN_DAY = date(2026, 12, 1)  # a Tuesday, no holiday


def until(what, predicate, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)  # polling another thread or process, bounded by the timeout
    pytest.fail(f"no {what} within {timeout} s")


# --- PostgreSQL through a proxy ----------------------------------------------------------------------


@pytest.fixture
def db_proxy():
    """This test's database connection goes through a proxy that can drop it, as a PostgreSQL restart."""
    settings_dict = connection.settings_dict
    original = settings_dict["HOST"], settings_dict["PORT"]
    proxy = TcpProxy(original[0] or "127.0.0.1", original[1] or 5432)
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", str(proxy.port)
    yield proxy
    proxy.up()
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = original
    proxy.close()


@contextmanager
def drop_connection_after(proxy, marker, occurrence=1):
    """The connection drops right after the `occurrence`-th statement containing `marker` ran, before
    its transaction commits: the server rolls it back, the client gets an error on its next statement."""
    seen = 0

    def wrapper(execute, sql, params, many, context):
        nonlocal seen
        result = execute(sql, params, many, context)
        if marker in sql:
            seen += 1
            if seen == occurrence:
                proxy.dropped_pid = connection.connection.info.backend_pid
                proxy.cut()
        return result

    with connection.execute_wrapper(wrapper):
        yield


def restarted(proxy):
    """PostgreSQL is back: a fresh connection, once the dropped session is gone from the server."""
    proxy.up()
    connection.close()
    until("dropped session gone", lambda: not _session_alive(proxy.dropped_pid))


def _session_alive(pid):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


def queued_checks(n):
    deletion = make_deletion()
    return [
        make_check_refund(deletion=deletion, amount_cents=1000 + i, key=f"fault-check-{i}") for i in range(n)
    ]


@pytest.mark.parametrize(
    "marker",
    [
        "row_number() OVER",  # numbering the second batch
        '"printed_at" =',  # marking the second run printed
    ],
)
def test_postgres_drops_the_connection_mid_check_run(db_proxy, settings, tmp_path, marker):
    settings.CHECK_RUN_DIR = tmp_path
    queued_checks(5)
    assert checks.run_checks(today=RUN_DAY, limit=2) is not None  # one run of two, done
    with drop_connection_after(db_proxy, marker), pytest.raises((OperationalError, InterfaceError)):
        checks.run_checks(today=RUN_DAY, limit=2)
    restarted(db_proxy)
    while checks.run_checks(today=RUN_DAY, limit=2):
        pass
    assert not Check.objects.exclude(status="mailed").exists()
    assert not CheckRun.objects.exclude(status="mailed").exists()
    # Every run's positive-pay file lists exactly its checks; together, each check once.
    listed = []
    for run in CheckRun.objects.exclude(check_count=0):
        lines = open(run.positive_pay_file).read().splitlines()[1:]
        listed += [int(line.split(",")[1]) for line in lines]
        assert len(lines) == run.check_count
    assert sorted(listed) == list(range(100001, 100006))
    assert reconcile()["checks"] == 5


def test_postgres_drops_the_connection_while_direct_bill_closes(db_proxy, settings):
    deletions = [make_deletion(email=f"db{i}@example.com") for i in range(5)]
    for i, deletion in enumerate(deletions):
        account = DirectBillAccount.objects.create(account=deletion.account, status="closing")
        if i % 2 == 0:
            Charge.objects.create(directbill_account=account, amount_cents=310 + i)
        ClosureRequest.objects.create(
            directbill_account=account,
            deletion=deletion,
            close_after=timezone.localdate() - timedelta(days=1),
            close_by=timezone.localdate() + timedelta(days=2),
        )
    with (
        drop_connection_after(db_proxy, "WITH claimed", occurrence=2),
        pytest.raises((OperationalError, InterfaceError)),
    ):
        directbill_tasks.close_held_accounts(limit=2)
    assert ClosureRequest.objects.filter(status="closed").count() == 2  # the first batch stands
    restarted(db_proxy)
    assert directbill_tasks.close_held_accounts(limit=2) == 3
    assert directbill_tasks.close_held_accounts(limit=2) == 0
    assert not ClosureRequest.objects.exclude(status="closed").exists()
    finals = Statement.objects.filter(is_final=True)
    assert sorted(finals.values_list("total_cents", flat=True)) == [310, 312, 314]
    assert not Charge.objects.filter(statement=None).exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["db0@example.com", "db2@example.com", "db4@example.com"]
    reconcile()


# --- Redis down when a deletion commits ------------------------------------------------------------


@contextmanager
def broker_at(url):
    """The site publishes to `url` (through a proxy) for a while: its pooled connections are dropped."""

    def forget_connections():
        pools.reset()  # closes and forgets kombu's pooled connections and producers
        app._pool = None
        app.amqp._producer_pool = None

    original = app.conf.broker_url
    forget_connections()
    app.conf.broker_url = url
    try:
        yield
    finally:
        forget_connections()
        app.conf.broker_url = original


def test_redis_down_when_a_deletion_commits_refund_paid_after_it_returns(fake_stripe, broker, workers):
    host, port = broker.split("//")[1].split("/")[0].split(":")
    redis_proxy = TcpProxy(host, port)
    database = broker.rsplit("/", 1)[1]
    try:
        account = card_account(fake_stripe, cents=(1500, 2500), calls=[("-3h", 120, False)])
        redis_proxy.down()
        with broker_at(f"redis://127.0.0.1:{redis_proxy.port}/{database}"):
            deletion = delete_account(account, actor=None, channel="web")
        # The deletion stands; its card refunds (the balance spans both charges) wait for the sweep.
        refunds = list(Refund.objects.filter(deletion=deletion, method="card").order_by("created_at", "pk"))
        assert len(refunds) == 2
        assert {(r.status, r.enqueued_at) for r in refunds} == {("pending", None)}
        assert fake_stripe.refunds == []
    finally:
        redis_proxy.close()
    # Redis is back: the next sweep hands the refunds to a worker.
    worker = workers("after-redis")
    connection.close()
    assert sorted(cards.sweep_pending()) == sorted(r.pk for r in refunds)
    wait_for(
        "Stripe refunds",
        lambda: not Refund.objects.filter(deletion=deletion, method="card", stripe_refund_id="").exists(),
        worker,
    )
    stop_gracefully(worker)
    totals = reconcile(fake_stripe, settled=False)
    assert totals == {"refunded": 3880, "deducted": 120, "checks": 0}


# --- a worker killed mid check run -----------------------------------------------------------------


def test_worker_killed_mid_check_run_then_the_next_run_finishes_it(broker, workers, tmp_path, fake_stripe):
    deletion = make_deletion()
    refunds = Refund.objects.bulk_create(
        Refund(
            account=deletion.account,
            deletion=deletion,
            amount_cents=500 + i,
            method="check",
            status="check_queued",
            expected_from=RUN_DAY,
            expected_to=RUN_DAY + timedelta(days=7),
            idempotency_key=f"killed-run-{i}",
        )
        for i in range(2000)
    )
    Check.objects.bulk_create(
        Check(
            refund=r,
            amount_cents=r.amount_cents,
            payee="Ana Diaz",
            line1="12 Oak St",
            city="Dallas",
            state="TX",
            zip_code="75201",
        )
        for r in refunds
    )
    connection.close()
    env = {"CHECK_RUN_DIR": str(tmp_path)}
    first = workers("checkrun-killed", extra_env=env)
    refund_tasks.run_checks.delay(limit=2000, today=RUN_DAY.isoformat())
    # Numbered and committed: kill while the files are written and the checks marked.
    wait_for("numbered run", lambda: CheckRun.objects.exists(), first)
    kill_group(first)
    run = CheckRun.objects.get()
    assert run.status != "mailed", "the worker finished before it was killed"
    second = workers("checkrun-after", extra_env=env)
    refund_tasks.run_checks.delay(limit=2000, today=RUN_DAY.isoformat())
    wait_for("run mailed", lambda: not CheckRun.objects.exclude(status="mailed").exists(), second)
    stop_gracefully(second)
    assert CheckRun.objects.count() == 1  # finished, not numbered again
    assert reconcile()["checks"] == 2000
    rows = open(CheckRun.objects.get().positive_pay_file).read().splitlines()
    assert len(rows) == 2001


# --- Stripe failing for a while, then recovering ---------------------------------------------------


@pytest.fixture
def in_thread_worker(settings, tmp_path, monkeypatch, broker):
    monkeypatch.setattr(refund_tasks, "RETRY_BASE_SECONDS", 0)  # retries at once: the outage is short
    settings.CHECK_RUN_DIR = tmp_path
    app.loader.import_default_modules()
    with worker_thread(app) as w:
        yield w


def test_stripe_times_out_answers_429_and_500_then_recovers(fake_stripe, in_thread_worker, settings, client):
    settings.STRIPE_TIMEOUT_SECONDS = 0.5
    accounts = [card_account(fake_stripe, cents=(1000 + i,)) for i in range(4)]
    fake_stripe.timeout_next(seconds=2)
    fake_stripe.fail_next(3, status=429)
    fake_stripe.fail_for(2.0, status=500)  # every call fails for two seconds: retries run out
    deletions = [delete_account(account, actor=None, channel="web") for account in accounts]
    ids = list(Refund.objects.filter(deletion__in=deletions).values_list("pk", flat=True))
    until("every retry done", lambda: not _in_flight(ids), timeout=WAIT)
    # Retries can run out well inside the outage (they are quick); once it is over, the sweep hands
    # whatever is still pending to the worker again.
    until("the outage over", lambda: not fake_stripe.in_outage(), timeout=WAIT)
    later = timezone.now() + cards.SWEEP_AFTER + timedelta(minutes=1)
    cards.sweep_pending(now=later)
    until(
        "every refund at Stripe", lambda: not Refund.objects.filter(pk__in=ids, stripe_refund_id="").exists()
    )
    for refund in Refund.objects.filter(pk__in=ids):  # Stripe settles; its webhooks reach the site
        body, header = fake_stripe.sign(fake_stripe.settle_refund(refund.stripe_refund_id))
        response = client.post(
            "/refunds/stripe/webhook/",
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=header,
        )
        assert response.status_code == 200
    assert set(Refund.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"succeeded"}
    assert len(fake_stripe.refunds) == 4
    reconcile(fake_stripe)


def _in_flight(ids):
    """A refund is in flight while it is claimed without an answer, or pending with a retry due."""
    now = timezone.now()
    return (
        Refund.objects.filter(pk__in=ids, stripe_refund_id="").filter(status="submitted").exists()
        or Refund.objects.filter(
            pk__in=ids, status="pending", enqueued_at__gt=now - timedelta(seconds=1)
        ).exists()
    )


# --- beat running twice by mistake -----------------------------------------------------------------


def twice(job):
    """Run `job` in two threads at the same moment, as two beats firing the same entry would."""
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=WAIT)
            results.append(job())
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=WAIT)
    assert not errors, errors
    return results


def test_every_job_fired_twice_at_once_does_its_work_once(fake_stripe, settings, tmp_path, monkeypatch):
    settings.CHECK_RUN_DIR = tmp_path
    # Check runs: each check numbered once, numbers gapless.
    queued_checks(6)
    twice(lambda: refund_tasks.run_checks(limit=500, today=RUN_DAY.isoformat()))
    assert Check.objects.filter(status="mailed").count() == 6
    assert sum(CheckRun.objects.values_list("check_count", flat=True)) == 6
    # Direct Bill: one final statement and one email per account.
    deletion = make_deletion(email="twice@example.com")
    account = DirectBillAccount.objects.create(account=deletion.account, status="closing")
    Charge.objects.create(directbill_account=account, amount_cents=450)
    ClosureRequest.objects.create(
        directbill_account=account,
        deletion=deletion,
        close_after=timezone.localdate() - timedelta(days=1),
        close_by=timezone.localdate() + timedelta(days=2),
    )
    assert sorted(twice(directbill_tasks.close_held_accounts)) == [0, 1]
    assert Statement.objects.filter(is_final=True).count() == 1
    assert [m.to for m in mail.outbox if "Direct Bill" in m.subject] == [["twice@example.com"]]
    # The refund sweep: each lost refund enqueued once.
    sent = []
    monkeypatch.setattr(refund_tasks.submit_card_refund, "delay", lambda refund_id: sent.append(refund_id))
    lost = card_account(fake_stripe, cents=(900,))

    def broker_down(refund_id):
        raise OSError("broker unreachable")

    with monkeypatch.context() as m:
        m.setattr(refund_tasks.submit_card_refund, "delay", broker_down)
        delete_account(lost, actor=None, channel="web")
    later = timezone.now() + cards.SWEEP_AFTER + timedelta(minutes=1)
    twice(lambda: cards.sweep_pending(now=later))
    assert sent == list(Refund.objects.filter(method="card").values_list("pk", flat=True))
    # Stale checks: each voided once, reported once.
    Check.objects.update(void_after=timezone.localdate() - timedelta(days=1))
    voided = twice(lambda: refund_tasks.void_stale_checks(limit=500))
    assert sorted(voided) == [0, 6]
    reconcile(settled=False)

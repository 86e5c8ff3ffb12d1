"""The soak: seeded accounts of every service mix and payment method, deleted through the web flow by
concurrent clients while a real worker and a compressed beat run against the fake Stripe failing 5% of
calls at random; then the sweeps, and the reconciliation. `make soak` (SOAK_ACCOUNTS, SOAK_CLIENTS)."""

import itertools
import os
import re
import statistics
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
import requests
from django.db import connection
from django.utils import timezone

from deletion.scenario import load_scenario
from directbill import services as directbill
from refunds import cards, checks
from refunds import tasks as refund_tasks
from refunds.models import Refund
from tests.faults import confirm_deletion, reconcile
from tests.workers import stop_gracefully

pytestmark = [pytest.mark.soak, pytest.mark.django_db(transaction=True)]
ACCOUNTS = int(os.environ.get("SOAK_ACCOUNTS", 160))
CLIENTS = int(os.environ.get("SOAK_CLIENTS", 16))
PASSWORD = "Soak-pass-2026"
METHODS = ["card", "card_phone", "western_union", "moneygram", "mail", "kiosk"]
BEAT_EVERY = 2.0  # seconds: the periodic jobs, compressed from minutes


def scenario(i, fake_stripe):
    method = METHODS[i % len(METHODS)]
    payments = []
    for n, cents in enumerate((1500 + i % 700, 2000 + i % 300)):
        payment = {"at": f"-{20 - n * 10}d", "amount": f"{cents // 100}.{cents % 100:02d}", "method": method}
        if method in ("card", "card_phone"):
            charge = fake_stripe.add_charge(amount=cents, card_last4="4242")
            payment |= {"card_last4": "4242", "stripe_charge_id": charge["id"]}
        payments.append(payment)
    data = {
        "account": {
            "email": f"soak{i}@example.com",
            "password": PASSWORD,
            "name": f"Soak Holder {i}",
            "address": {"line1": f"{i + 1} Main St", "city": "Austin", "state": "TX", "zip": "78701"},
            "address_verified": True,
        },
        "prepaid": {
            "payments": payments,
            "calls": [
                {"at": "-2h", "number": "+15125550100", "charge": f"0.{10 + i % 80}", "posted": i % 2 == 0}
            ],
        },
    }
    if i % 3 == 0:
        data["directbill"] = {"charges": [{"at": "-2d", "amount": "3.10", "billed": False}]}
    if i % 4 == 0:
        data["debit"] = {
            "inmate": "Sam Roe",
            "facility": "Travis County Jail",
            "deposits": [{"at": "-9d", "amount": "20.00"}],
        }
    if i % 5 == 0:
        data["messaging"] = {"stamps": 3 + i % 10}
    if i % 7 == 0:
        data["video"] = {
            "sessions": [
                {"facility": "Travis County Jail", "inmate": "Sam Roe", "at": "+2d", "price": "7.99"}
            ]
        }
    return data


def delete_through_the_site(base, email, statuses, latencies):
    http = requests.Session()
    page = http.get(f"{base}/sign-in/", timeout=60)
    statuses.append(page.status_code)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    signed_in = http.post(
        f"{base}/sign-in/",
        data={"csrfmiddlewaretoken": token, "username": email, "password": PASSWORD},
        timeout=60,
    )
    statuses.append(signed_in.status_code)
    preview, done, seconds = confirm_deletion(http, base, PASSWORD)
    statuses.append(preview.status_code)
    latencies.append(seconds)
    statuses.append(done.status_code)
    assert done.status_code == 302 and "/delete/done/" in done.headers["Location"], (email, done.status_code)


def test_soak(fake_stripe, broker, workers, live_server, settings, tmp_path):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.CHECK_RUN_DIR = tmp_path
    emails = [load_scenario(data=scenario(i, fake_stripe)).user.email for i in range(ACCOUNTS)]
    connection.close()
    fake_stripe.webhook_url = f"{live_server.url}/refunds/stripe/webhook/"
    fake_stripe.auto_settle = 0.0
    fake_stripe.fail_randomly(0.05, status=500, seed=13)
    worker = workers("soak", extra_env={"CHECK_RUN_DIR": str(tmp_path)})
    stop = threading.Event()

    def beat():  # the schedule, compressed: sweeps and check runs every few seconds
        while not stop.wait(BEAT_EVERY):
            refund_tasks.sweep_pending_card_refunds.delay()
            refund_tasks.run_checks.delay()
        connection.close()

    statuses, latencies, failures = [], [], []

    def client(mine):
        for email in mine:
            try:
                delete_through_the_site(live_server.url, email, statuses, latencies)
            except Exception as exc:  # reported below, with the account
                failures.append((email, repr(exc)))

    beat_thread = threading.Thread(target=beat, daemon=True)
    try:
        beat_thread.start()
        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(emails[i::CLIENTS],)) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        web_seconds = time.perf_counter() - started
        # Then the sweeps, as the next runs of the schedule would find things: whatever a random 500 left
        # pending goes again, until every card refund has Stripe's answer.
        # Each pass is the next sweep run on the schedule's clock, a sweep interval later than the last,
        # so a refund whose re-send also met a random 500 goes again at the next pass. A webhook that
        # outran the worker and met a random 500 in its own Stripe lookup is lost here (the fake sends
        # each event once; Stripe would send it again for days): the hourly lookup of refunds left
        # unheard for a day settles those, run on a clock a day later at each pass.
        deadline = time.monotonic() + 300
        in_flight = Refund.objects.filter(method="card", status__in=["pending", "submitted"])
        for sweep_run in itertools.count(1):
            if not in_flight.exists():
                break
            assert time.monotonic() < deadline, (
                "card refunds still in flight after 5 minutes: "
                f"{dict(Counter(in_flight.values_list('status', flat=True)))}"
            )
            assert worker.poll() is None, "the worker died"
            cards.sweep_pending(now=timezone.now() + (cards.SWEEP_AFTER + timedelta(minutes=1)) * sweep_run)
            cards.settle_unheard(now=timezone.now() + (cards.UNHEARD_AFTER + timedelta(hours=1)) * sweep_run)
            time.sleep(5)  # the worker takes what the pass sent before the next pass; bounded by the deadline
        stop.set()
        beat_thread.join(timeout=30)
        stop_gracefully(worker)
        total_seconds = time.perf_counter() - started
    finally:
        stop.set()
        fake_stripe.fail_randomly(0)
        fake_stripe.auto_settle = None
        fake_stripe.webhook_url = None
    while checks.run_checks(limit=2000):
        pass
    while directbill.close_due_accounts(today=timezone.localdate() + timedelta(days=8)):
        pass

    assert not failures, failures[:5]
    assert not [s for s in statuses if s >= 500], "server errors"
    totals = reconcile(fake_stripe)
    assert not Refund.objects.filter(
        status__in=["pending", "submitted", "check_queued", "check_printed"]
    ).exists()
    latencies.sort()
    print(
        f"\nsoak: {ACCOUNTS} accounts, {CLIENTS} clients: deleted in {web_seconds:.1f} s "
        f"({ACCOUNTS / web_seconds:.1f} deletions/s, confirm p50 {statistics.median(latencies) * 1000:.0f} ms, "
        f"p95 {latencies[int(len(latencies) * 0.95) - 1] * 1000:.0f} ms); everything settled after "
        f"{total_seconds:.1f} s; {len(statuses)} requests, 0 errors; refunded {totals['refunded']} cents, "
        f"deducted {totals['deducted']}, {totals['checks']} checks; Stripe saw {len(fake_stripe.requests)} calls, "
        f"{len(fake_stripe.refunds)} refunds"
    )

"""What the fault tests and the soak share: a TCP proxy that plays a server going down, accounts whose card
charges exist at the fake Stripe, and the reconciliation every one of them ends with."""

from __future__ import annotations

import itertools
import re
import socket
import threading
import time
from collections import defaultdict

from deletion.models import AccountDeletion
from deletion.scenario import load_scenario
from messaging.models import StampEntry
from refunds.models import Check, Refund

_emails = itertools.count()


class TcpProxy:
    """127.0.0.1:port -> target. `down()` cuts every open connection and refuses new ones (each is closed
    as soon as it is accepted), as a server that stopped; `up()` serves again, as one restarted; `cut()`
    drops the open connections only, as a restart the client notices on its next query."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, int(target_port))
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._refusing = False
        self._stopped = False
        threading.Thread(target=self._accept, name="tcp-proxy", daemon=True).start()

    def _accept(self):
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._refusing:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                self._close(s)

    def _close(self, sock):
        with self._lock:
            self._open.discard(sock)
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    def cut(self):
        with self._lock:
            sockets = list(self._open)
        for sock in sockets:
            self._close(sock)

    def down(self):
        self._refusing = True
        self.cut()

    def up(self):
        self._refusing = False

    def close(self):
        self._stopped = True
        self.down()
        self._listener.close()


def card_account(fake_stripe, *, cents=(2500,), calls=(), stamps=0, method="card"):
    """A verified account whose purchases are card charges that exist at the fake Stripe (newest last)."""
    payments = []
    for i, amount in enumerate(cents):
        payment = {
            "at": f"-{len(cents) - i}d",
            "amount": f"{amount // 100}.{amount % 100:02d}",
            "method": method,
        }
        if method in ("card", "card_phone"):
            charge = fake_stripe.add_charge(amount=amount, card_last4="4242")
            payment |= {"card_last4": "4242", "stripe_charge_id": charge["id"]}
        payments.append(payment)
    data = {
        "account": {
            "email": f"fault{next(_emails)}@example.com",
            "password": "Fault-pass-2026",
            "name": "Pat Doe",
            "address": {"line1": "1 Main St", "city": "Austin", "state": "TX", "zip": "78701"},
            "address_verified": True,
        },
        "prepaid": {
            "payments": payments,
            "calls": [
                {"at": at, "number": "+15125550100", "charge": f"{c // 100}.{c % 100:02d}", "posted": posted}
                for at, c, posted in calls
            ],
        },
    }
    if stamps:
        data["messaging"] = {"stamps": stamps}
    return load_scenario(data=data)


def confirm_deletion(http, base: str, password: str):
    """The Delete Account page, then its confirm POST, as a browser sends them over `http` (a
    requests.Session signed in). Returns (preview response, confirm response, seconds the POST took)."""
    preview = http.get(f"{base}/delete/", timeout=60)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', preview.text).group(1)
    fingerprint = re.search(r'name="fingerprint" value="([^"]*)"', preview.text).group(1)
    form = {
        "csrfmiddlewaretoken": token,
        "password": password,
        "understand": "on",
        "fingerprint": fingerprint,
    }
    start = time.perf_counter()
    response = http.post(f"{base}/delete/confirm/", data=form, allow_redirects=False, timeout=60)
    return preview, response, time.perf_counter() - start


def reconcile(fake_stripe=None, *, settled=True) -> dict:
    """Every cent of every deletion is accounted for, Stripe holds exactly one refund per card allocation,
    check numbers are unique and gapless. `settled`: no refund may still be waiting (after the sweeps).
    Returns a few totals for the caller's report."""
    totals = defaultdict(int)
    for deletion in AccountDeletion.objects.prefetch_related("closures"):
        outcomes = {c.service: c.outcome for c in deletion.closures.all()}
        refunds = list(Refund.objects.filter(deletion=deletion))
        # A replaced card refund's money moved to its replacement check: count it once.
        owed = sum(r.amount_cents for r in refunds if r.status != Refund.Status.REPLACED)
        if "prepaid" in outcomes:
            prepaid = outcomes["prepaid"]
            before = _cents(prepaid["balance_before"])
            deducted = _cents(prepaid["deducted_last_24h"])
            refunded = _cents(prepaid["refund_total"])
            assert owed == refunded, f"deletion {deletion.pk}: refunds {owed} != refund_total {refunded}"
            assert max(before, 0) == refunded + deducted, f"deletion {deletion.pk}: {before} held"
            assert deletion.account.prepaid.balance_cents() <= 0, f"deletion {deletion.pk}: balance left"
            totals["refunded"] += refunded
            totals["deducted"] += deducted
        if "messaging" in outcomes:
            left = sum(StampEntry.objects.filter(account=deletion.account).values_list("stamps", flat=True))
            assert left == 0, f"deletion {deletion.pk}: {left} stamps neither used nor forfeited"
            totals["stamps_forfeited"] += outcomes["messaging"]["stamps_forfeited"]
        for refund in refunds:
            if refund.method == Refund.Method.CARD and fake_stripe is not None:
                _one_stripe_refund(fake_stripe, refund)
            if settled:
                assert refund.status not in (Refund.Status.PENDING, Refund.Status.CHECK_QUEUED), (
                    f"refund {refund.pk} still {refund.status}"
                )
    numbers = sorted(Check.objects.exclude(check_number=None).values_list("check_number", flat=True))
    assert len(numbers) == len(set(numbers)), "a check number is used twice"
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers))) if numbers else True, (
        f"check numbers skip: {numbers}"
    )
    totals["checks"] = len(numbers)
    return dict(totals)


def _one_stripe_refund(fake_stripe, refund):
    refund.refresh_from_db()
    ours = [
        r
        for r in fake_stripe.refunds_for(refund.payment.stripe_charge_id)
        if r["metadata"].get("refund_id") == str(refund.pk)
    ]
    if refund.status in (Refund.Status.SUBMITTED, Refund.Status.SUCCEEDED):
        assert len(ours) == 1 and ours[0]["id"] == refund.stripe_refund_id, (refund.pk, ours)
        assert ours[0]["amount"] == refund.amount_cents
    elif refund.status == Refund.Status.REPLACED:
        assert all(r["status"] == "failed" for r in ours), (refund.pk, ours)
    assert len(ours) <= 1, f"refund {refund.pk} reached Stripe {len(ours)} times"


def _cents(text: str) -> int:
    whole, _, frac = text.partition(".")
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 100 + int((frac + "00")[:2]))

"""The fake Stripe server: state, failure switches, a threaded HTTP front and signed webhook delivery."""

from __future__ import annotations

import hashlib
import heapq
import hmac
import http.client
import json
import queue
import random
import re
import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import stripe

from fakestripe import validation

API_VERSION = stripe.api_version  # objects and events are shaped as the version the SDK pins
IDEMPOTENCY_TTL = 24 * 3600  # Stripe forgets a key after 24 hours
PERIOD = 30 * 86400  # a monthly billing period, as the fake counts it
# Webhooks go out from this many threads at once, as Stripe delivers events concurrently (and in no
# guaranteed order); a burst of refunds queues its events instead of starting a thread per event.
WEBHOOK_SENDERS = 4

CARD_ERRORS = {
    # code -> (Stripe error code, decline_code, message)
    "card_declined": ("card_declined", "generic_decline", "Your card was declined."),
    "declined": ("card_declined", "generic_decline", "Your card was declined."),
    "expired_card": ("expired_card", None, "Your card has expired."),
    "lost_card": ("card_declined", "lost_card", "Your card was declined."),
    "stolen_card": ("card_declined", "stolen_card", "Your card was declined."),
}


@dataclass
class SavedAnswer:
    fingerprint: tuple
    created: int
    status: int
    body: dict


class StripeHTTPError(Exception):
    def __init__(self, status, type_, message, code=None, param=None, decline_code=None):
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type_, "message": message}}
        for key, value in (("code", code), ("param", param), ("decline_code", decline_code)):
            if value:
                self.body["error"][key] = value


def _new_id(prefix):
    return f"{prefix}_{secrets.token_hex(12)}"


def parse_form(pairs):
    """Stripe's form encoding (`items[0][price]=x`, `metadata[k]=v`, `expand[]=y`) into nested values."""
    root: dict = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+|\[\]", key)
        parts = [p.strip("[]") if p != "[]" else "" for p in parts]
        node = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "":
                part = str(len(node))
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _listify(root)


def _listify(node):
    if not isinstance(node, dict):
        return node
    node = {k: _listify(v) for k, v in node.items()}
    if node and all(k.isdigit() for k in node):
        return [node[k] for k in sorted(node, key=int)]
    return node


def _bool(value):
    return str(value).lower() in ("true", "1", "yes")


def sign_payload(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header for `body`, computed as Stripe does (HMAC-SHA256 of "t.body")."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class FakeStripe:
    """State and behaviour; `start()` serves it over HTTP on 127.0.0.1."""

    def __init__(self, *, webhook_secret="whsec_local", webhook_url=None, lenient=False, auto_settle=None):
        self.webhook_secret = webhook_secret
        self.webhook_url = webhook_url
        # lenient: an unknown ch_/pi_ id in a refund is created on the spot (demo data without real charges).
        self.lenient = lenient
        # auto_settle: seconds after which a pending refund succeeds by itself (and its webhook is sent).
        self.auto_settle = auto_settle
        self.lock = threading.RLock()
        self._httpd = None
        self._thread = None
        self._release = threading.Event()
        # Work for later, done by a few long-lived threads: webhooks to send, refunds to settle (a heap of
        # (monotonic due time, refund id, generation)). reset() starts a new generation: what an earlier
        # test left queued is dropped.
        self._generation = 0
        self._outbox: queue.SimpleQueue = queue.SimpleQueue()
        self._due: list[tuple[float, str, int]] = []
        self._clock = threading.Condition()
        self._workers: list[threading.Thread] = []
        self.reset()

    api_version = API_VERSION

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self, port=0, host="127.0.0.1"):
        validation.routes()  # read the SDK's endpoints once, before the first request waits for it
        self._httpd = ThreadingHTTPServer((host, port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fakestripe", daemon=True)
        self._thread.start()
        return self

    @property
    def port(self):
        return self._httpd.server_address[1]

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        self._release.set()
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def reset(self):
        with self.lock:
            self._release.set()  # let any request still sleeping from the previous test answer now
            self._release = threading.Event()
            self._generation += 1
            self.objects: dict[str, dict[str, dict]] = {}
            self.refunds: list[dict] = []
            self.events: list[dict] = []
            self.deliveries: list[tuple[str, int]] = []
            self.requests: list[tuple[str, str, str | None]] = []
            # Idempotency keys are global, as at Stripe: key -> what was asked, when, and the saved answer.
            self.idempotent: dict[str, SavedAnswer] = {}
            # Requests refused by parameter validation: (method, path, code, param, message).
            self.rejections: list[tuple[str, str, str | None, str, str]] = []
            # Fields the fake sent that the pinned API version does not have (a fake drifting from Stripe).
            self.shape_errors: list[str] = []
            self.clock_offset = 0
            self._refund_failures: list[str] = []
            self._http_failures: list[int] = []
            self._after_work_failures: list[int] = []
            self._renewal_failures: set[str] = set()
            self._declining_cards: set[str] = set()  # payment methods made from tok_chargeDeclined
            self._delays: list[tuple[str, float]] = []
            self._failing_until: tuple[float, int] | None = None
            self._failure_rate: tuple[float, int, random.Random] | None = None

    # -- the clock -------------------------------------------------------------------------------
    def now(self) -> int:
        """The fake's clock (Unix seconds): real time moved by `advance`."""
        return int(time.time()) + self.clock_offset

    def advance(self, *, seconds=0, hours=0, days=0):
        """Move the clock forward; subscriptions whose period ended renew, fail or end as at Stripe.
        Returns the events this produced (also delivered when webhook_url is set)."""
        with self.lock:
            self.clock_offset += int(seconds + hours * 3600 + days * 86400)
            events = self._run_billing()
        for event in events:
            self._deliver_if_configured(event)
        return events

    # -- failure switches ------------------------------------------------------------------------
    def fail_next_refund(self, code="card_declined"):
        """The next refund create answers 402 with this card error (declined, expired_card, lost/stolen)."""
        if code not in CARD_ERRORS:
            raise ValueError(f"unknown card error {code!r}; one of {sorted(CARD_ERRORS)}")
        with self.lock:
            self._refund_failures.append(code)

    def fail_next(self, count=1, status=500):
        """The next `count` API calls answer with HTTP `status` (500, 503, 429...) and change nothing."""
        with self.lock:
            self._http_failures.extend([status] * count)

    def fail_next_after_work(self, count=1, status=500):
        """The next `count` POSTs are carried out, then answer HTTP `status`: Stripe saves that answer under
        the idempotency key and replays it."""
        with self.lock:
            self._after_work_failures.extend([status] * count)

    def fail_next_renewal(self, subscription_id):
        """The subscription's next renewal charge is declined (past_due, invoice.payment_failed)."""
        with self.lock:
            self._renewal_failures.add(subscription_id)

    def dispute(self, charge_id):
        """The cardholder disputed the charge: Stripe refuses refunds of it from now on."""
        with self.lock:
            self.get("charges", charge_id)["disputed"] = True

    def fail_for(self, seconds, status=500):
        """Every API call answers HTTP `status` for the next `seconds` (an outage), then all is well."""
        with self.lock:
            self._failing_until = (time.monotonic() + seconds, status)

    def in_outage(self) -> bool:
        """Whether the outage started by fail_for is still on."""
        with self.lock:
            until = self._failing_until
        return until is not None and time.monotonic() < until[0]

    def fail_randomly(self, rate, status=500, seed=0):
        """Each API call answers HTTP `status` with probability `rate` (0 turns it off); seeded."""
        with self.lock:
            self._failure_rate = (rate, status, random.Random(seed)) if rate else None

    def timeout_next(self, seconds=5.0):
        """The next call is carried out, but its answer comes only after `seconds` (past the client timeout)."""
        with self.lock:
            self._delays.append(("after", seconds))

    def slow_next(self, seconds=0.2, count=1):
        """The next `count` calls wait `seconds` before being carried out."""
        with self.lock:
            self._delays.extend([("before", seconds)] * count)

    # -- objects ---------------------------------------------------------------------------------
    def _store(self, kind, obj):
        if "livemode" in validation.declared_fields(obj["object"]):
            obj.setdefault("livemode", False)
        self.objects.setdefault(kind, {})[obj["id"]] = obj
        return obj

    def get(self, kind, obj_id):
        obj = self.objects.get(kind, {}).get(obj_id)
        if obj is None:
            raise StripeHTTPError(
                404,
                "invalid_request_error",
                f"No such {kind[:-1]}: '{obj_id}'",
                code="resource_missing",
                param="id",
            )
        return obj

    def add_charge(
        self, *, amount, currency="usd", card_brand="visa", card_last4="4242", customer=None, id=None
    ):
        with self.lock:
            return self._create_charge(
                {"amount": amount, "currency": currency, "customer": customer}, card_brand, card_last4, id
            )

    def _create_charge(self, params, brand="visa", last4="4242", obj_id=None, payment_intent=None):
        amount = int(params.get("amount") or 0)
        if amount <= 0:
            raise StripeHTTPError(400, "invalid_request_error", "Invalid positive integer", param="amount")
        charge = {
            "id": obj_id or _new_id("ch"),
            "object": "charge",
            "amount": amount,
            "amount_captured": amount,
            "amount_refunded": 0,
            "refunded": False,
            "currency": params.get("currency", "usd"),
            "customer": params.get("customer"),
            "paid": True,
            "status": "succeeded",
            "captured": True,
            "payment_intent": payment_intent,
            "payment_method_details": {"type": "card", "card": {"brand": brand, "last4": last4}},
            "metadata": params.get("metadata") or {},
            "created": self.now(),
            "livemode": False,
        }
        return self._store("charges", charge)

    def _create_payment_intent(self, params):
        amount = int(params.get("amount") or 0)
        intent = {
            "id": _new_id("pi"),
            "object": "payment_intent",
            "amount": amount,
            "currency": params.get("currency", "usd"),
            "customer": params.get("customer"),
            "payment_method": params.get("payment_method"),
            "status": "requires_confirmation",
            "latest_charge": None,
            "metadata": params.get("metadata") or {},
            "created": self.now(),
        }
        self._store("payment_intents", intent)
        if _bool(params.get("confirm", False)):
            self._confirm_intent(intent)
        return intent

    def _confirm_intent(self, intent):
        card = self._card_of(intent.get("payment_method"))
        charge = self._create_charge(
            intent, card.get("brand", "visa"), card.get("last4", "4242"), payment_intent=intent["id"]
        )
        intent.update(status="succeeded", latest_charge=charge["id"])
        return intent

    def _card_of(self, pm_id):
        pm = self.objects.get("payment_methods", {}).get(pm_id or "")
        return (pm or {}).get("card", {})

    def _charge_for_refund(self, params):
        charge_id, intent_id = params.get("charge"), params.get("payment_intent")
        if intent_id:
            intent = self.objects.get("payment_intents", {}).get(intent_id)
            if intent is None and self.lenient:
                amount = int(params.get("amount") or 0)
                intent = self._confirm_intent(
                    self._store(
                        "payment_intents",
                        {
                            "id": intent_id,
                            "object": "payment_intent",
                            "amount": amount,
                            "currency": "usd",
                            "customer": None,
                            "payment_method": None,
                            "metadata": {},
                            "created": self.now(),
                        },
                    )
                )
            if intent is None:
                raise StripeHTTPError(
                    404,
                    "invalid_request_error",
                    f"No such payment_intent: '{intent_id}'",
                    code="resource_missing",
                    param="payment_intent",
                )
            if not intent.get("latest_charge"):
                raise StripeHTTPError(
                    400,
                    "invalid_request_error",
                    "This PaymentIntent has no charge to refund.",
                    code="charge_not_refundable",
                    param="payment_intent",
                )
            charge_id = intent["latest_charge"]
        if not charge_id:
            raise StripeHTTPError(
                400,
                "invalid_request_error",
                "One of charge or payment_intent is required.",
                code="parameter_missing",
                param="charge",
            )
        charge = self.objects.get("charges", {}).get(charge_id)
        if charge is None and self.lenient and charge_id.startswith("ch_"):
            charge = self._create_charge({"amount": params.get("amount")}, obj_id=charge_id)
        if charge is None:
            raise StripeHTTPError(
                404,
                "invalid_request_error",
                f"No such charge: '{charge_id}'",
                code="resource_missing",
                param="charge",
            )
        return charge

    def _create_refund(self, params):
        charge = self._charge_for_refund(params)
        if charge.get("disputed"):
            raise StripeHTTPError(
                400,
                "invalid_request_error",
                f"Charge {charge['id']} has been charged back; it cannot be refunded.",
                code="charge_disputed",
                param="charge",
            )
        if self._refund_failures:
            code, decline, message = CARD_ERRORS[self._refund_failures.pop(0)]
            raise StripeHTTPError(402, "card_error", message, code=code, decline_code=decline)
        remaining = charge["amount"] - charge["amount_refunded"]
        amount = int(params.get("amount") or remaining)
        if remaining <= 0:
            raise StripeHTTPError(
                400,
                "invalid_request_error",
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
                param="charge",
            )
        if amount <= 0 or amount > remaining:
            raise StripeHTTPError(
                400,
                "invalid_request_error",
                f"Refund amount ({amount / 100:.2f}) is greater than unrefunded amount on charge "
                f"({remaining / 100:.2f})",
                code="amount_too_large",
                param="amount",
            )
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        refund = {
            "id": _new_id("re"),
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "payment_intent": charge.get("payment_intent"),
            "currency": charge["currency"],
            "status": "pending",
            "balance_transaction": None,
            "reason": params.get("reason"),
            "metadata": params.get("metadata") or {},
            "created": self.now(),
        }
        self._store("refunds", refund)
        self.refunds.append(refund)
        self._event("refund.created", refund)
        if self.auto_settle is not None:
            self._settle_later(refund["id"], self.auto_settle)
        return refund

    def refunds_for(self, charge_id):
        return [r for r in self.refunds if r["charge"] == charge_id]

    def settle_refund(self, refund_id, status="succeeded", failure_reason=None):
        """Move a refund on: pending -> succeeded (refund.updated), -> canceled (refund.updated), or
        pending/succeeded -> failed (refund.failed, with failure_reason expired_or_canceled_card,
        lost_or_stolen_card or unknown): a refund can fail days after it succeeded. Returns the event."""
        if status not in ("succeeded", "failed", "canceled"):
            raise ValueError(f"unknown refund status {status!r}")
        with self.lock:
            refund = self.get("refunds", refund_id)
            if refund["status"] in ("failed", "canceled") or (
                refund["status"] == "succeeded" and status != "failed"
            ):
                raise ValueError(f"refund {refund_id} is {refund['status']}: it cannot become {status}")
            refund["status"] = status
            if status in ("failed", "canceled"):
                if status == "failed":
                    refund["failure_reason"] = failure_reason or "expired_or_canceled_card"
                charge = self.objects["charges"][refund["charge"]]
                charge["amount_refunded"] -= refund["amount"]  # the money went back to the balance
                charge["refunded"] = False
            event = self._event("refund.failed" if status == "failed" else "refund.updated", refund)
        self._deliver_if_configured(event)
        return event

    def _create_customer(self, params):
        customer = {
            "id": _new_id("cus"),
            "object": "customer",
            "email": params.get("email"),
            "name": params.get("name"),
            "metadata": params.get("metadata") or {},
            "invoice_settings": {"default_payment_method": None},
            "created": self.now(),
        }
        if params.get("payment_method"):
            self._attach(params["payment_method"], customer["id"])
            customer["invoice_settings"]["default_payment_method"] = params["payment_method"]
        return self._store("customers", customer)

    def _create_payment_method(self, params):
        card = params.get("card") or {}
        number = str(card.get("number", "4242424242424242"))
        token = card.get("token", "")  # tok_visa style test tokens
        brand = "mastercard" if number.startswith("5") or "mastercard" in token else "visa"
        pm = {
            "id": _new_id("pm"),
            "object": "payment_method",
            "type": params.get("type", "card"),
            "customer": None,
            "metadata": params.get("metadata") or {},
            "created": self.now(),
            "card": {
                "brand": brand,
                "last4": number[-4:],
                "exp_month": int(card.get("exp_month", 12)),
                "exp_year": int(card.get("exp_year", 2030)),
            },
        }
        if token == "tok_chargeDeclined":  # Stripe's test token: attaches fine, every charge is declined
            self._declining_cards.add(pm["id"])
        return self._store("payment_methods", pm)

    def _attach(self, pm_id, customer_id):
        pm = self.get("payment_methods", pm_id)
        self.get("customers", customer_id)
        pm["customer"] = customer_id
        return pm

    def _create_product(self, params):
        return self._store(
            "products",
            {
                "id": _new_id("prod"),
                "object": "product",
                "name": params.get("name"),
                "metadata": params.get("metadata") or {},
                "active": True,
            },
        )

    def _create_price(self, params):
        product = params.get("product")
        if isinstance(params.get("product_data"), dict):
            product = self._create_product(params["product_data"])["id"]
        return self._store(
            "prices",
            {
                "id": _new_id("price"),
                "object": "price",
                "product": product,
                "unit_amount": int(params.get("unit_amount") or 0),
                "currency": params.get("currency", "usd"),
                "recurring": params.get("recurring") or {"interval": "month"},
                "metadata": params.get("metadata") or {},
            },
        )

    def _create_subscription(self, params):
        customer = self.get("customers", params.get("customer", ""))
        now = self.now()
        sub_id = _new_id("sub")
        # A future billing_cycle_anchor ends the first period there (free when proration_behavior=none).
        anchor = int(params.get("billing_cycle_anchor") or 0)
        first_end = anchor if anchor > now else now + PERIOD
        items = []
        for item in params.get("items") or []:
            price = item.get("price")
            if isinstance(item.get("price_data"), dict):
                data = item["price_data"]
                self.get("products", data.get("product", ""))
                price = self._create_price(data)["id"]
            price_obj = self.get("prices", price or "")
            items.append(
                {
                    "id": _new_id("si"),
                    "object": "subscription_item",
                    "created": now,
                    "metadata": item.get("metadata") or {},
                    "price": price_obj,
                    "quantity": int(item.get("quantity", 1)),
                    "subscription": sub_id,
                    # Since 2025-03-31 the billing period lives on each item, not on the subscription.
                    "current_period_start": now,
                    "current_period_end": first_end,
                }
            )
        payment_method = (
            params.get("default_payment_method") or customer["invoice_settings"]["default_payment_method"]
        )
        sub = {
            "id": sub_id,
            "object": "subscription",
            "customer": customer["id"],
            "status": "active",
            "items": {"object": "list", "data": items, "has_more": False, "url": "/v1/subscription_items"},
            "metadata": params.get("metadata") or {},
            "default_payment_method": payment_method,
            "cancel_at_period_end": False,
            "cancel_at": None,
            "canceled_at": None,
            "ended_at": None,
            "cancellation_details": {"comment": None, "feedback": None, "reason": None},
            "currency": "usd",
            "collection_method": "charge_automatically",
            "billing_cycle_anchor": anchor if anchor > now else now,
            "start_date": now,
            "latest_invoice": None,
            "created": now,
        }
        if params.get("payment_behavior") == "error_if_incomplete" and payment_method is None:
            raise StripeHTTPError(
                400,
                "invalid_request_error",
                "This customer has no attached payment source or default payment method.",
                code="resource_missing",
            )
        if payment_method in self._declining_cards:
            code, decline, message = CARD_ERRORS["card_declined"]
            raise StripeHTTPError(402, "card_error", message, code=code, decline_code=decline)
        self._store("subscriptions", sub)
        self._event("customer.subscription.created", sub)
        free = anchor > now and params.get("proration_behavior") == "none"
        self._new_invoice(sub, paid=True, reason="subscription_create", free=free)
        return sub

    def _period(self, sub):
        items = sub["items"]["data"]
        start = min((i["current_period_start"] for i in items), default=sub["created"])
        end = max((i["current_period_end"] for i in items), default=sub["created"] + PERIOD)
        return start, end

    def _update_subscription(self, sub, params):
        if sub["status"] == "canceled":
            if set(params) - {"metadata", "cancellation_details"}:
                raise StripeHTTPError(
                    400,
                    "invalid_request_error",
                    "A canceled subscription can only update its cancellation_details and metadata.",
                    param="subscription",
                )
        if "cancel_at_period_end" in params:
            sub["cancel_at_period_end"] = _bool(params["cancel_at_period_end"])
            sub["canceled_at"] = self.now() if sub["cancel_at_period_end"] else None
            sub["cancel_at"] = self._period(sub)[1] if sub["cancel_at_period_end"] else None
            sub["cancellation_details"]["reason"] = (
                "cancellation_requested" if sub["cancel_at_period_end"] else None
            )
        if isinstance(params.get("cancellation_details"), dict):
            for key in ("comment", "feedback"):
                if key in params["cancellation_details"]:
                    sub["cancellation_details"][key] = params["cancellation_details"][key] or None
        if isinstance(params.get("metadata"), dict):
            sub["metadata"].update(params["metadata"])
        if params.get("default_payment_method"):
            sub["default_payment_method"] = params["default_payment_method"]
        self._event("customer.subscription.updated", sub)
        return sub

    def _cancel_subscription(self, sub, params):
        if sub["status"] == "canceled":
            # Stripe answers a second cancel as if the subscription were gone.
            raise StripeHTTPError(
                404,
                "invalid_request_error",
                f"No such subscription: '{sub['id']}'",
                code="resource_missing",
                param="id",
            )
        now = self.now()
        sub.update(status="canceled", canceled_at=sub["canceled_at"] or now, ended_at=now)
        sub["cancellation_details"]["reason"] = (
            sub["cancellation_details"]["reason"] or "cancellation_requested"
        )
        if isinstance(params.get("cancellation_details"), dict):
            for key in ("comment", "feedback"):
                if key in params["cancellation_details"]:
                    sub["cancellation_details"][key] = params["cancellation_details"][key] or None
        self._event("customer.subscription.deleted", sub)
        return sub

    def _new_invoice(self, sub, paid=True, reason="subscription_cycle", free=False):
        amount = sum((i["price"].get("unit_amount") or 0) * i["quantity"] for i in sub["items"]["data"])
        amount = 0 if free else amount
        start, end = self._period(sub)
        now = self.now()
        invoice_id = _new_id("in")
        lines = [
            {
                "id": _new_id("il"),
                "object": "line_item",
                "amount": 0 if free else (item["price"].get("unit_amount") or 0) * item["quantity"],
                "currency": "usd",
                "description": f"{item['quantity']} × {item['price'].get('product')}",
                "invoice": invoice_id,
                "livemode": False,
                "metadata": {},
                "period": {"start": item["current_period_start"], "end": item["current_period_end"]},
                "parent": {
                    "type": "subscription_item_details",
                    "subscription_item_details": {
                        "subscription": sub["id"],
                        "subscription_item": item["id"],
                        "proration": False,
                    },
                },
                "quantity": item["quantity"],
            }
            for item in sub["items"]["data"]
        ]
        invoice = {
            "id": invoice_id,
            "object": "invoice",
            "customer": sub["customer"],
            # Since 2025-03-31 an invoice names its subscription under parent, not at the top level.
            "parent": {
                "type": "subscription_details",
                "subscription_details": {"subscription": sub["id"], "metadata": dict(sub["metadata"])},
            },
            "lines": {
                "object": "list",
                "data": lines,
                "has_more": False,
                "url": f"/v1/invoices/{invoice_id}/lines",
            },
            "amount_due": amount,
            "amount_paid": amount if paid else 0,
            "amount_remaining": 0 if paid else amount,
            "attempt_count": 1,
            "attempted": True,
            "billing_reason": reason,
            "currency": "usd",
            "status": "paid" if paid else "open",
            "period_start": start,
            "period_end": end,
            "created": now,
        }
        self._store("invoices", invoice)
        sub["latest_invoice"] = invoice["id"]
        return invoice, self._event("invoice.paid" if paid else "invoice.payment_failed", invoice)

    def _run_billing(self):
        """What Stripe's billing does when the clock passes a period end: a subscription set to cancel at
        period end is deleted (no renewal invoice); another renews, paid or, if the card is declined,
        past_due with invoice.payment_failed."""
        events = []
        for sub in list(self.objects.get("subscriptions", {}).values()):
            while sub["status"] in ("active", "trialing", "past_due"):
                start, end = self._period(sub)
                if end > self.now():
                    break
                if sub["cancel_at_period_end"]:
                    sub.update(status="canceled", ended_at=end, cancel_at_period_end=False)
                    events.append(self._event("customer.subscription.deleted", sub))
                    break
                if (
                    sub["id"] in self._renewal_failures
                    or sub["default_payment_method"] in self._declining_cards
                ):
                    self._renewal_failures.discard(sub["id"])
                    if sub["status"] != "past_due":
                        sub["status"] = "past_due"
                        events.append(self._event("customer.subscription.updated", sub))
                    events.append(self._new_invoice(sub, paid=False)[1])
                    break
                for item in sub["items"]["data"]:
                    item.update(current_period_start=end, current_period_end=end + PERIOD)
                was_past_due = sub["status"] == "past_due"
                sub["status"] = "active"
                if was_past_due:
                    events.append(self._event("customer.subscription.updated", sub))
                events.append(self._new_invoice(sub, paid=True)[1])
        return events

    def pay_invoice(self, subscription_id, paid=True):
        """Renew a subscription now: a new period and invoice, emitting invoice.paid, or (paid=False) a
        declined renewal: past_due, customer.subscription.updated and invoice.payment_failed. Returns the
        invoice event."""
        with self.lock:
            sub = self.get("subscriptions", subscription_id)
            events = []
            if paid:
                start = self._period(sub)[1]
                for item in sub["items"]["data"]:
                    item.update(current_period_start=start, current_period_end=start + PERIOD)
                sub["status"] = "active"
            elif sub["status"] != "past_due":
                sub["status"] = "past_due"
                events.append(self._event("customer.subscription.updated", sub))
            _, event = self._new_invoice(sub, paid=paid)
            events.append(event)
        for each in events:
            self._deliver_if_configured(each)
        return event

    # -- events and webhooks ---------------------------------------------------------------------
    def _event(self, type_, obj):
        event = {
            "id": _new_id("evt"),
            "object": "event",
            "type": type_,
            "api_version": API_VERSION,
            "created": self.now(),
            "livemode": False,
            "pending_webhooks": 1,
            "data": {"object": json.loads(json.dumps(obj))},
        }
        self.shape_errors.extend(validation.undeclared_fields(event))
        self.events.append(event)
        return event

    def build_event(self, type_, obj, *, timestamp=None, secret=None):
        """A new event for `obj`, its JSON body and a valid Stripe-Signature header for it."""
        with self.lock:
            event = self._event(type_, obj)
        body, header = self.sign(event, timestamp=timestamp, secret=secret)
        return event, body, header

    def sign(self, event, *, timestamp=None, secret=None):
        body = json.dumps(event).encode()
        return body, sign_payload(body, secret or self.webhook_secret, timestamp)

    def deliver(self, event, url=None):
        """POST the signed event to `url` (or webhook_url) as Stripe does; returns the HTTP status (0 when
        the endpoint could not be reached)."""
        url = url or self.webhook_url
        if not url:
            raise ValueError("no webhook url configured")
        body, header = self.sign(event)
        parts = urlsplit(url)
        connection_class = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_class(parts.hostname or "127.0.0.1", parts.port, timeout=10)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": header,
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        try:
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = 0
        finally:
            connection.close()
        self.deliveries.append((event["id"], status))
        return status

    def _deliver_if_configured(self, event):
        if self.webhook_url:
            self._start_workers()
            self._outbox.put((self._generation, event, self.webhook_url))

    def _settle_later(self, refund_id, seconds):
        self._start_workers()
        with self._clock:
            heapq.heappush(self._due, (time.monotonic() + seconds, refund_id, self._generation))
            self._clock.notify()

    def _start_workers(self):
        with self._clock:
            if self._workers:
                return
            self._workers = [threading.Thread(target=self._run_clock, name="fakestripe-clock", daemon=True)]
            self._workers += [
                threading.Thread(target=self._run_sender, name=f"fakestripe-webhooks-{i}", daemon=True)
                for i in range(WEBHOOK_SENDERS)
            ]
            for worker in self._workers:
                worker.start()

    def _run_sender(self):
        while True:
            generation, event, url = self._outbox.get()
            if generation == self._generation:
                self.deliver(event, url)

    def _run_clock(self):
        while True:
            with self._clock:
                while not self._due or self._due[0][0] > time.monotonic():
                    self._clock.wait(self._due[0][0] - time.monotonic() if self._due else None)
                _, refund_id, generation = heapq.heappop(self._due)
            if generation != self._generation:
                continue
            try:
                self.settle_refund(refund_id)
            except (ValueError, StripeHTTPError):
                pass  # settled by hand meanwhile, or gone

    # -- request dispatch ------------------------------------------------------------------------
    def handle(self, method, path, params, idempotency_key):
        """One API call -> (status, body, seconds to hold the answer, replayed). Runs the failure switches,
        idempotency as Stripe documents it, parameter validation, then the route."""
        with self.lock:
            self.requests.append((method, path, idempotency_key))
            status = self._http_failures.pop(0) if self._http_failures else None
            if status is None and self._failing_until and time.monotonic() < self._failing_until[0]:
                status = self._failing_until[1]
            if (
                status is None
                and self._failure_rate
                and self._failure_rate[2].random() < self._failure_rate[0]
            ):
                status = self._failure_rate[1]
            if status is not None:
                kind = "rate_limit_error" if status == 429 else "api_error"
                code = "rate_limit" if status == 429 else None
                return status, StripeHTTPError(status, kind, "Injected failure.", code=code).body, None, False
            delay = self._delays.pop(0) if self._delays else None
            release = self._release
        if delay and delay[0] == "before":
            release.wait(delay[1])
        late = delay[1] if delay and delay[0] == "after" else None
        with self.lock:
            status, body, replayed = self._idempotent_call(method, path, params, idempotency_key)
        return status, json.loads(json.dumps(body)), late, replayed

    def _idempotent_call(self, method, path, params, key):
        key = key if method == "POST" else None  # GET and DELETE are idempotent by definition
        fingerprint = (method, path, json.dumps(params, sort_keys=True))
        if key:
            saved = self.idempotent.get(key)
            if saved and self.now() - saved.created >= IDEMPOTENCY_TTL:
                del self.idempotent[key]
                saved = None
            if saved and saved.fingerprint != fingerprint:
                conflict = StripeHTTPError(
                    400,
                    "idempotency_error",
                    f"Keys for idempotent requests can only be used with the same parameters they were first "
                    f"used with. Try using a key other than '{key}' if you meant to execute a different request.",
                )
                return conflict.status, conflict.body, False
            if saved:
                return saved.status, saved.body, True
        try:
            validation.validate(method, path, params)
        except validation.ParamError as exc:
            # Refused before any work began: nothing is saved under the key.
            self.rejections.append((method, path, exc.code, exc.param, exc.message))
            error = StripeHTTPError(400, "invalid_request_error", exc.message, code=exc.code, param=exc.param)
            return error.status, error.body, False
        try:
            status, body = 200, self._route(method, path, params)
            self.shape_errors.extend(validation.undeclared_fields(body))
        except StripeHTTPError as exc:
            status, body = exc.status, exc.body
        if method == "POST" and self._after_work_failures:
            status = self._after_work_failures.pop(0)
            body = StripeHTTPError(
                status, "api_error", "An error occurred while processing the request."
            ).body
        if key:
            # Work began: the answer is saved, errors and 500s included, and replayed for 24 hours.
            self.idempotent[key] = SavedAnswer(fingerprint, self.now(), status, json.loads(json.dumps(body)))
        return status, body, False

    def _route(self, method, path, params):
        parts = [p for p in path.split("/") if p]
        if not parts or parts[0] != "v1" or len(parts) < 2:
            raise StripeHTTPError(
                404, "invalid_request_error", f"Unrecognized request URL ({method}: {path})."
            )
        kind, rest = parts[1], parts[2:]
        creators = {
            "refunds": self._create_refund,
            "charges": self._create_charge,
            "payment_intents": self._create_payment_intent,
            "customers": self._create_customer,
            "payment_methods": self._create_payment_method,
            "products": self._create_product,
            "prices": self._create_price,
            "subscriptions": self._create_subscription,
        }
        if not rest:
            if method == "POST" and kind in creators:
                return creators[kind](params)
            if method == "GET":
                data = list(self.objects.get(kind, {}).values())
                for key in ("charge", "customer", "payment_intent", "subscription"):
                    if params.get(key):
                        data = [o for o in data if o.get(key) == params[key]]
                return {"object": "list", "data": data[::-1], "has_more": False, "url": f"/v1/{kind}"}
        else:
            obj = self.get(kind, rest[0])
            action = rest[1] if len(rest) > 1 else None
            if method == "GET" and not action:
                return obj
            if method == "DELETE" and kind == "subscriptions" and not action:
                return self._cancel_subscription(obj, params)
            if method == "POST":
                if kind == "subscriptions" and action == "cancel":
                    return self._cancel_subscription(obj, params)
                if kind == "subscriptions" and not action:
                    return self._update_subscription(obj, params)
                if kind == "payment_methods" and action == "attach":
                    return self._attach(obj["id"], params.get("customer", ""))
                if kind == "payment_methods" and action == "detach":
                    obj["customer"] = None
                    return obj
                if kind == "payment_intents" and action == "confirm":
                    if params.get("payment_method"):
                        obj["payment_method"] = params["payment_method"]
                    return self._confirm_intent(obj)
                if not action:
                    if kind == "customers" and isinstance(params.get("invoice_settings"), dict):
                        obj["invoice_settings"].update(params["invoice_settings"])
                    if isinstance(params.get("metadata"), dict):
                        obj.setdefault("metadata", {}).update(params["metadata"])
                    return obj
        raise StripeHTTPError(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    def control(self, action, data):
        """The /_fake/ endpoint, for a fake run in another process."""
        if action == "reset":
            self.reset()
            return {"ok": True}
        if action == "fail_next_refund":
            self.fail_next_refund(data.get("code", "card_declined"))
        elif action == "fail_next":
            self.fail_next(int(data.get("count", 1)), int(data.get("status", 500)))
        elif action == "timeout_next":
            self.timeout_next(float(data.get("seconds", 5)))
        elif action == "slow_next":
            self.slow_next(float(data.get("seconds", 0.2)), int(data.get("count", 1)))
        elif action == "charges":
            return self.add_charge(**data)
        elif action == "refunds":
            return {"refunds": self.refunds}
        elif action == "settle_refund":
            return self.settle_refund(data["id"], data.get("status", "succeeded"), data.get("failure_reason"))
        elif action == "pay_invoice":
            return self.pay_invoice(data["subscription"], bool(data.get("paid", True)))
        else:
            raise StripeHTTPError(404, "invalid_request_error", f"Unknown control action {action!r}.")
        return {"ok": True}


def _handler_for(fake: FakeStripe):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format, *args):  # quiet: tests read fake.requests instead
            pass

        def _reply(self, status, body, replayed=False):
            payload = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Request-Id", _new_id("req"))
                self.send_header("Stripe-Version", API_VERSION)
                if replayed:
                    self.send_header("Idempotent-Replayed", "true")
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client gave up (timeout): what it asked for is done all the same

        def _serve(self):
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            if split.path.startswith("/_fake/"):
                try:
                    data = json.loads(raw) if raw else {}
                    self._reply(200, fake.control(split.path[len("/_fake/") :].strip("/"), data))
                except StripeHTTPError as exc:
                    self._reply(exc.status, exc.body)
                return
            if not (self.headers.get("Authorization") or "").startswith("Bearer "):
                self._reply(
                    401, StripeHTTPError(401, "invalid_request_error", "You did not provide an API key.").body
                )
                return
            params = parse_form(
                parse_qsl(split.query, keep_blank_values=True) + parse_qsl(raw, keep_blank_values=True)
            )
            status, body, late, replayed = fake.handle(
                self.command, split.path, params, self.headers.get("Idempotency-Key")
            )
            if late:
                fake._release.wait(late)
            self._reply(status, body, replayed=replayed)

        do_GET = do_POST = do_DELETE = _serve

    return Handler

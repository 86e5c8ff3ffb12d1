"""The fake Stripe server: state, failure switches, a threaded HTTP front and signed webhook delivery."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

CARD_ERRORS = {
    # code -> (Stripe error code, decline_code, message)
    "card_declined": ("card_declined", "generic_decline", "Your card was declined."),
    "declined": ("card_declined", "generic_decline", "Your card was declined."),
    "expired_card": ("expired_card", None, "Your card has expired."),
    "lost_card": ("card_declined", "lost_card", "Your card was declined."),
    "stolen_card": ("card_declined", "stolen_card", "Your card was declined."),
}


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
        self.reset()

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self, port=0, host="127.0.0.1"):
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
            self.objects: dict[str, dict[str, dict]] = {}
            self.refunds: list[dict] = []
            self.events: list[dict] = []
            self.deliveries: list[tuple[str, int]] = []
            self.requests: list[tuple[str, str, str | None]] = []
            self.idempotent: dict[str, tuple[int, dict]] = {}
            self._refund_failures: list[str] = []
            self._http_failures: list[int] = []
            self._delays: list[tuple[str, float]] = []
            self._failing_until: tuple[float, int] | None = None
            self._failure_rate: tuple[float, int, random.Random] | None = None

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

    def fail_for(self, seconds, status=500):
        """Every API call answers HTTP `status` for the next `seconds` (an outage), then all is well."""
        with self.lock:
            self._failing_until = (time.monotonic() + seconds, status)

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
            "created": int(time.time()),
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
            "created": int(time.time()),
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
                            "created": int(time.time()),
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
            "failure_reason": None,
            "reason": params.get("reason"),
            "metadata": params.get("metadata") or {},
            "created": int(time.time()),
        }
        self._store("refunds", refund)
        self.refunds.append(refund)
        self._event("refund.created", refund)
        if self.auto_settle is not None:
            timer = threading.Timer(self.auto_settle, self.settle_refund, args=(refund["id"],))
            timer.daemon = True
            timer.start()
        return refund

    def refunds_for(self, charge_id):
        return [r for r in self.refunds if r["charge"] == charge_id]

    def settle_refund(self, refund_id, status="succeeded", failure_reason=None):
        """Move a refund to succeeded or failed (failure_reason: expired_or_canceled_card, lost_or_stolen_card,
        declined...) and emit refund.updated / refund.failed. Returns the event."""
        with self.lock:
            refund = self.get("refunds", refund_id)
            refund["status"] = status
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
            "created": int(time.time()),
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
            "created": int(time.time()),
            "card": {
                "brand": brand,
                "last4": number[-4:],
                "exp_month": int(card.get("exp_month", 12)),
                "exp_year": int(card.get("exp_year", 2030)),
            },
        }
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
        items = []
        for item in params.get("items") or []:
            price = item.get("price")
            if isinstance(item.get("price_data"), dict):
                price = self._create_price(item["price_data"])["id"]
            price_obj = self.objects.get("prices", {}).get(price) or {"id": price, "unit_amount": 0}
            items.append(
                {
                    "id": _new_id("si"),
                    "object": "subscription_item",
                    "price": price_obj,
                    "quantity": int(item.get("quantity", 1)),
                }
            )
        now = int(time.time())
        sub = {
            "id": _new_id("sub"),
            "object": "subscription",
            "customer": customer["id"],
            "status": "active",
            "items": {"object": "list", "data": items},
            "metadata": params.get("metadata") or {},
            "default_payment_method": params.get("default_payment_method")
            or customer["invoice_settings"]["default_payment_method"],
            "cancel_at_period_end": False,
            "canceled_at": None,
            "ended_at": None,
            "cancellation_details": {"comment": None, "feedback": None, "reason": None},
            "current_period_start": now,
            "current_period_end": now + 30 * 86400,
            "latest_invoice": None,
            "created": now,
        }
        for item in items:  # newer API versions carry the period on the item
            item.update(current_period_start=now, current_period_end=now + 30 * 86400)
        self._store("subscriptions", sub)
        self._event("customer.subscription.created", sub)
        self._new_invoice(sub, paid=True)
        return sub

    def _update_subscription(self, sub, params):
        if sub["status"] == "canceled":
            raise StripeHTTPError(
                400,
                "invalid_request_error",
                "A canceled subscription can only update its metadata.",
                param="subscription",
            )
        if "cancel_at_period_end" in params:
            sub["cancel_at_period_end"] = _bool(params["cancel_at_period_end"])
            sub["canceled_at"] = int(time.time()) if sub["cancel_at_period_end"] else None
            if sub["cancel_at_period_end"]:
                sub["cancellation_details"]["reason"] = "cancellation_requested"
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
        now = int(time.time())
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

    def _new_invoice(self, sub, paid=True):
        amount = sum((i["price"].get("unit_amount") or 0) * i["quantity"] for i in sub["items"]["data"])
        invoice = {
            "id": _new_id("in"),
            "object": "invoice",
            "customer": sub["customer"],
            "subscription": sub["id"],
            "parent": {"subscription_details": {"subscription": sub["id"]}},
            "amount_due": amount,
            "amount_paid": amount if paid else 0,
            "currency": "usd",
            "status": "paid" if paid else "open",
            "period_start": sub["current_period_start"],
            "period_end": sub["current_period_end"],
            "created": int(time.time()),
        }
        self._store("invoices", invoice)
        sub["latest_invoice"] = invoice["id"]
        return invoice, self._event("invoice.paid" if paid else "invoice.payment_failed", invoice)

    def pay_invoice(self, subscription_id, paid=True):
        """Renew a subscription: a new period and invoice, emitting invoice.paid or invoice.payment_failed
        (a failed renewal leaves the subscription past_due). Returns the event."""
        with self.lock:
            sub = self.get("subscriptions", subscription_id)
            if paid:
                start = sub["current_period_end"]
                sub.update(current_period_start=start, current_period_end=start + 30 * 86400, status="active")
                for item in sub["items"]["data"]:
                    item.update(current_period_start=start, current_period_end=start + 30 * 86400)
            else:
                sub["status"] = "past_due"
            _, event = self._new_invoice(sub, paid=paid)
        self._deliver_if_configured(event)
        return event

    # -- events and webhooks ---------------------------------------------------------------------
    def _event(self, type_, obj):
        event = {
            "id": _new_id("evt"),
            "object": "event",
            "type": type_,
            "api_version": "2024-06-20",
            "created": int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "data": {"object": json.loads(json.dumps(obj))},
        }
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
        """POST the signed event to `url` (or webhook_url) as Stripe does; returns the HTTP status."""
        url = url or self.webhook_url
        if not url:
            raise ValueError("no webhook url configured")
        body, header = self.sign(event)
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "Stripe-Signature": header},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError:
            status = 0
        self.deliveries.append((event["id"], status))
        return status

    def _deliver_if_configured(self, event):
        if self.webhook_url:
            threading.Thread(target=self.deliver, args=(event,), daemon=True).start()

    # -- request dispatch ------------------------------------------------------------------------
    def handle(self, method, path, params, idempotency_key):
        """One API call -> (status, body). Runs the failure switches, then the route."""
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
                return status, StripeHTTPError(status, kind, "Injected failure.", code=code).body, None
            delay = self._delays.pop(0) if self._delays else None
            release = self._release
        if delay and delay[0] == "before":
            release.wait(delay[1])
        with self.lock:
            cache_key = f"{method} {path} {idempotency_key}" if method == "POST" and idempotency_key else None
            if cache_key and cache_key in self.idempotent:
                status, body = self.idempotent[cache_key]
            else:
                try:
                    status, body = 200, self._route(method, path, params)
                except StripeHTTPError as exc:
                    status, body = exc.status, exc.body
                # Stripe replays a saved answer for a reused key, errors included (not 5xx).
                if cache_key and status < 500:
                    self.idempotent[cache_key] = (status, json.loads(json.dumps(body)))
        return status, json.loads(json.dumps(body)), (delay[1] if delay and delay[0] == "after" else None)

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

        def log_message(self, format, *args):  # quiet: tests read fake.requests instead
            pass

        def _reply(self, status, body):
            payload = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Request-Id", _new_id("req"))
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
            status, body, late = fake.handle(
                self.command, split.path, params, self.headers.get("Idempotency-Key")
            )
            if late:
                fake._release.wait(late)
            self._reply(status, body)

        do_GET = do_POST = do_DELETE = _serve

    return Handler

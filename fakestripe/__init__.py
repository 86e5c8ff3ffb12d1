"""A local fake of the parts of Stripe's REST API this project uses, for tests and `make run`.

The real `stripe` SDK talks to it over plain HTTP on 127.0.0.1 (point `STRIPE_API_BASE` at it).

Python API (tests)::

    from fakestripe import FakeStripe
    fake = FakeStripe(webhook_secret="whsec_test").start()   # port 0 = any free port
    fake.base_url                      # "http://127.0.0.1:PORT"
    fake.add_charge(amount=2500, card_brand="visa", card_last4="4242")  # -> charge dict (id "ch_...")
    fake.fail_next_refund("expired_card")   # or "card_declined", "lost_card", "stolen_card"
    fake.fail_next(2, status=500)      # the next 2 API calls answer HTTP 500 (or 429, 503...)
    fake.fail_for(3.0, status=500)     # every call answers 500 for the next 3 s, then all is well
    fake.fail_randomly(0.05, status=500, seed=1)   # 5% of calls answer 500 (0 turns it off)
    fake.timeout_next(seconds=3)       # the next call is processed, then answers only after 3 s
    fake.slow_next(seconds=0.2, count=1)    # the next call answers late but within the client timeout
    fake.refunds / fake.refunds_for("ch_...")   # every refund created, in order
    fake.requests                      # (method, path, idempotency_key) of every call seen
    fake.settle_refund("re_...", status="succeeded" | "failed", failure_reason="expired_or_canceled_card")
    fake.pay_invoice("sub_...", paid=True)  # new invoice for a subscription + invoice.paid / payment_failed
    fake.build_event("refund.updated", obj)  # -> (event dict, body bytes, Stripe-Signature header)
    fake.deliver(event)                # POST a signed event to fake.webhook_url; returns the HTTP status
    fake.reset()                       # forget every object and switch (between tests)
    fake.stop()

Events are built for every state change (refund.created/updated/failed, invoice.paid,
invoice.payment_failed, customer.subscription.created/updated/deleted) and kept in `fake.events`;
they are POSTed only when `fake.webhook_url` is set (`make run` sets it to the site's endpoint).

    fake.fail_next_after_work(1)       # the next POST is carried out, then answers 500 (saved, replayed)
    fake.advance(hours=25)             # move the clock: keys expire, subscriptions renew, fail or end
    fake.fail_next_renewal("sub_...")  # the next renewal is declined (past_due, invoice.payment_failed)
    fake.dispute("ch_...")             # refunds of that charge are refused (charge_disputed)
    fake.rejections / fake.shape_errors  # requests refused by validation; fields the API version lacks

HTTP API: /v1/refunds, /v1/charges, /v1/payment_intents, /v1/customers, /v1/payment_methods
(+ /attach, /detach), /v1/products, /v1/prices, /v1/subscriptions (create, retrieve, update with
cancel_at_period_end and cancellation_details, DELETE = cancel now), /v1/invoices. Every request is first
checked against the SDK's own parameter types (validation.py); unknown URLs answer 404. Idempotency keys
are global, expire after 24 hours and refuse other parameters (idempotency_error). Objects and events
are shaped as `stripe.api_version`. Errors use Stripe's shape
`{"error": {"type", "code", "decline_code", "message", "param"}}`.

Control endpoint (JSON, for another process): POST /_fake/reset, POST /_fake/fail_next_refund
{"code"}, POST /_fake/fail_next {"count", "status"}, POST /_fake/timeout_next {"seconds"},
POST /_fake/slow_next {"seconds", "count"}, POST /_fake/charges {"amount", ...}, GET /_fake/refunds,
POST /_fake/settle_refund {"id", "status", "failure_reason"}, POST /_fake/pay_invoice {"subscription", "paid"}.

Command line: `python -m fakestripe --port 12111 [--webhook-url URL] [--auto-settle SECONDS]`.
Pytest: the `fake_stripe` fixture of `fakestripe.pytest_plugin`.
"""

from fakestripe.server import FakeStripe

__all__ = ["FakeStripe"]

"""`python -m fakestripe --port 12111`: the fake Stripe server for `make run` (see fakestripe/__init__.py)."""

import argparse
import os
import signal
import threading

from fakestripe.server import FakeStripe


def main():
    parser = argparse.ArgumentParser(description="Local fake of the Stripe API.")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument(
        "--webhook-url",
        default=os.environ.get("FAKESTRIPE_WEBHOOK_URL", "http://127.0.0.1:8000/refunds/stripe/webhook/"),
    )
    parser.add_argument("--webhook-secret", default=os.environ.get("STRIPE_WEBHOOK_SECRET", "whsec_local"))
    parser.add_argument(
        "--auto-settle",
        type=float,
        default=5.0,
        help="seconds after which a pending refund succeeds and its webhook is sent (-1: never)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="refuse refunds of charges it never saw (by default they are created on demand)",
    )
    args = parser.parse_args()
    fake = FakeStripe(
        webhook_secret=args.webhook_secret,
        webhook_url=args.webhook_url or None,
        lenient=not args.strict,
        auto_settle=None if args.auto_settle < 0 else args.auto_settle,
    ).start(port=args.port)
    print(f"fake Stripe on {fake.base_url}, webhooks to {args.webhook_url or '(none)'}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    fake.stop()


if __name__ == "__main__":
    main()

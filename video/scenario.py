"""The `video` section of a scenario file: open VideoConnect Unlimited subscriptions and visits."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from facilities.models import Facility, person_at
from securus.scenario_fields import ScenarioError, boolean, items, money, obj, parse_time, string

from .models import Session, Subscription


@dataclass
class SubscriptionSpec:
    facility: str
    price_cents: int
    period_end: datetime
    cancel_at_period_end: bool
    stripe_subscription_id: str


@dataclass
class SessionSpec:
    facility: str
    inmate: str
    at: datetime
    price_cents: int
    status: str


@dataclass
class VideoSpec:
    subscriptions: list[SubscriptionSpec]
    sessions: list[SessionSpec]


def _subscription(raw, p, *, now) -> SubscriptionSpec:
    raw = obj(
        raw,
        p,
        required=("facility", "price", "period_end"),
        optional=("cancel_at_period_end", "stripe_subscription_id"),
    )
    return SubscriptionSpec(
        facility=string(raw["facility"], f"{p}.facility", max_length=120),
        price_cents=money(raw["price"], f"{p}.price"),
        period_end=parse_time(raw["period_end"], f"{p}.period_end", now=now),
        cancel_at_period_end=boolean(raw.get("cancel_at_period_end", False), f"{p}.cancel_at_period_end"),
        stripe_subscription_id=string(
            raw.get("stripe_subscription_id", ""), f"{p}.stripe_subscription_id", max_length=64, blank=True
        ),
    )


def _session(raw, p, *, now) -> SessionSpec:
    raw = obj(raw, p, required=("facility", "inmate", "at"), optional=("price", "status"))
    status = raw.get("status", Session.Status.SCHEDULED)
    if status not in (Session.Status.SCHEDULED, Session.Status.CANCELED, Session.Status.COMPLETED):
        raise ScenarioError(f"{p}.status", f"unknown session status {status!r}")
    return SessionSpec(
        facility=string(raw["facility"], f"{p}.facility", max_length=120),
        inmate=string(raw["inmate"], f"{p}.inmate", max_length=150),
        at=parse_time(raw["at"], f"{p}.at", now=now),
        price_cents=money(raw.get("price", "0.00"), f"{p}.price", allow_zero=True),
        status=status,
    )


class VideoSection:
    key = "video"

    def parse(self, value, path, *, now) -> VideoSpec:
        value = obj(value, path, optional=("subscriptions", "sessions"))
        subscriptions = []
        for p, raw in items(value.get("subscriptions", []), f"{path}.subscriptions"):
            spec = _subscription(raw, p, now=now)
            if spec.period_end <= now:
                raise ScenarioError(
                    f"{p}.period_end", "an open subscription's paid period must end after now"
                )
            if any(s.facility == spec.facility for s in subscriptions):
                raise ScenarioError(f"{p}.facility", f"a second open subscription at {spec.facility!r}")
            subscriptions.append(spec)
        sessions = [
            _session(raw, p, now=now) for p, raw in items(value.get("sessions", []), f"{path}.sessions")
        ]
        return VideoSpec(subscriptions=subscriptions, sessions=sessions)

    def moments(self, spec: VideoSpec) -> list[datetime]:
        return []  # subscriptions and visits do not date the account's opening

    def write(self, account, spec: VideoSpec, *, now, opened) -> None:
        for sub in spec.subscriptions:
            facility, _ = Facility.objects.get_or_create(name=sub.facility)
            Subscription.objects.create(
                account=account,
                facility=facility,
                price_cents=sub.price_cents,
                started_at=min(now, sub.period_end - timedelta(days=30)),
                current_period_end=sub.period_end,
                cancel_at_period_end=sub.cancel_at_period_end,
                canceled_at=now if sub.cancel_at_period_end else None,
                stripe_subscription_id=sub.stripe_subscription_id or f"sub_scn_{uuid.uuid4().hex}",
                stripe_customer_id=f"cus_scn_{account.pk}",
            )
        for session in spec.sessions:
            facility, person = person_at(session.facility, session.inmate)
            Session.objects.create(
                account=account,
                facility=facility,
                inmate=person,
                scheduled_at=session.at,
                price_cents=session.price_cents,
                status=session.status,
                status_changed_at=None if session.status == Session.Status.SCHEDULED else now,
            )

"""Oversized, NUL-bearing and malformed input to every POST endpoint of the site and the admin, discovered
from the URL conf, as a visitor, a family member and a superuser: the answer is a page, a redirect or a
4xx with a message, never a 5xx."""

import re
from pathlib import Path

import pytest
from django.contrib.admin.views.decorators import staff_member_required  # noqa: F401  (admin loaded)
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import Account
from refunds.tracking import tracking_token
from tests import factories
from video.models import Session, Subscription

PAYLOADS = {
    # Also a sign-in email far over 255 characters.
    "oversized": "a" * 20_000 + "@example.com",
    "nul": "ana\x00@example.com\x00",
    "malformed": "9" * 40,  # overflows every integer column and id
}
COMMON_FIELDS = [
    "username", "password", "email", "name", "password1", "password2", "line1", "line2", "city", "state",
    "zip_code", "confirm", "shown", "understand", "fingerprint", "reason", "other_text", "action", "answer",
    "facility", "payment_method", "next", "call_reference", "to_email", "caller_confirmed", "note",
    "verified_with_caller", "_selected_action", "index", "q", "new_password1", "new_password2",
]  # fmt: skip
NAME = re.compile(r'name="([A-Za-z0-9_\-\[\]]+)"')


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def _routes():
    """Every concrete route: path converters filled with real ids; admin catch-alls left out."""
    found = []
    for route, callback in _walk(get_resolver().url_patterns):
        if "(?P<" in route or route.endswith("$") or "^" in route:
            continue  # regex routes: the admin's catch-all and its per-app index
        found.append((route, callback))
    return found


def _fill(route, callback):
    model_admin = getattr(callback, "model_admin", None)
    model = model_admin.model if model_admin is not None else None

    def value(match):
        converter, name = match.group(1) or "str", match.group(2)
        if name == "token":
            return tracking_token(factories.AccountDeletionFactory().pk)
        if name == "subscription_id":
            return str(Subscription.objects.values_list("pk", flat=True).first())
        if name == "session_id":
            return str(Session.objects.values_list("pk", flat=True).first())
        if model is not None and name in ("object_id", "account_id", "pk", "check_id", "deletion_id"):
            pk = model._default_manager.values_list("pk", flat=True).first()
            return str(pk if pk is not None else 1)
        if name == "app_label":
            return "accounts"
        if name in ("content_type_id",):
            return "1"
        if converter == "int":
            return "1"
        return "x"

    return re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


@pytest.fixture
def world(db, settings):
    call_command("load_scenario", str(Path(__file__).parent / "scenarios" / "design_example.json"))
    family = Account.objects.get().user
    factories.ClosureRequestFactory()
    factories.CheckFactory(check_run=factories.CheckRunFactory(), check_number=1001)
    factories.UnsubscribeAnswerFactory()
    return {"family": family, "superuser": factories.UserFactory(is_staff=True, is_superuser=True)}


def _fields(client, url):
    names = set(COMMON_FIELDS)
    try:
        page = client.get(url)
    except Exception:  # the GET side is not under test here
        return sorted(names)
    if page.status_code == 200 and "html" in page.get("Content-Type", ""):
        names |= set(NAME.findall(page.content.decode(errors="replace")))
    names.discard("csrfmiddlewaretoken")
    return sorted(names)


def _user(world, who):
    """The signed-in user, made again if an earlier POST deleted it (the admin's delete pages)."""
    user = type(world[who]).objects.filter(pk=world[who].pk).first()
    if user is None:
        user = world[who] = factories.UserFactory(is_staff=True, is_superuser=True)
    return user


def test_no_post_endpoint_answers_5xx(world):
    failures = []
    for route, callback in _routes():
        url = "/" + _fill(route, callback)
        for who in ("visitor", "family", "superuser"):
            if who != "superuser" and url.startswith("/admin/") and "login" not in url:
                continue  # the admin turns visitors and families away before any input is read
            if who == "superuser" and not url.startswith("/admin/"):
                continue
            client = Client(raise_request_exception=False, REMOTE_ADDR=f"198.51.100.{len(failures) % 250}")
            if who != "visitor":
                client.force_login(_user(world, who))
            fields = _fields(client, url)
            for kind, payload in PAYLOADS.items():
                if who != "visitor":
                    client.force_login(_user(world, who))  # an earlier POST may have signed out
                response = client.post(url, {name: payload for name in fields})
                if response.status_code >= 500:
                    failures.append(f"{kind}: {who} POST {url}: {response.status_code}")
    assert not failures, "\n".join(failures)

"""Every admin changelist, add page and change page answers to a superuser, with data in every list."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from tests import factories

# Rows services own (ledgers, money movements, service accounts, closures, subscriptions, audit rows) are
# written only by services: the admin shows them read-only.
VIEW_ONLY = {
    "accounts.Account",  # opened by signing up
    "deletion.AccountDeletion",
    "deletion.ServiceClosure",
    "accounts.RetiredEmail",
    "prepaid.PrepaidAccount",
    "prepaid.Enrolment",
    "prepaid.Payment",
    "prepaid.Call",
    "prepaid.LedgerEntry",
    "debit.DebitAccount",
    "debit.DebitLink",
    "debit.Deposit",
    "directbill.DirectBillAccount",
    "directbill.Statement",
    "directbill.Charge",
    "directbill.ClosureRequest",
    "messaging.StampEntry",
    "video.Subscription",
    "video.Session",
    "video.UnsubscribeAnswer",
    "refunds.Refund",
    "refunds.RefundEvent",
    "refunds.Check",
    "refunds.CheckRun",
    "refunds.StripeEvent",
    "audit.AuditEvent",
    "audit.StuckWork",
    "video.UnsubscribeReport",
    "inactivity.InactiveBalance",
    "inactivity.InactivityNotice",
    "inactivity.InactivityClosure",
    "unclaimed.UnclaimedItem",
    "unclaimed.HolderReport",
    "axes.AccessAttempt",
    "axes.AccessLog",
    "axes.AccessFailureLog",
}
# One-page reports registered as admin models: no change list of rows.
REPORT_PAGES = {"video.UnsubscribeReport", "audit.StuckWork"}
REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.fixture
def loaded(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    call_command("load_scenario", str(Path(__file__).parent / "scenarios" / "design_example.json"))
    deletion = factories.AccountDeletionFactory()
    factories.ServiceClosureFactory(deletion=deletion)
    factories.RetiredEmailFactory(deletion=deletion)
    factories.CallFactory(posted=True)
    statement = factories.StatementFactory(total_cents=310)
    factories.ChargeFactory(directbill_account=statement.directbill_account, statement=statement)
    factories.ClosureRequestFactory()
    factories.UnsubscribeAnswerFactory()
    factories.RefundEventFactory(refund=factories.RefundFactory(method="card"))
    factories.CheckFactory(check_run=factories.CheckRunFactory(), check_number=1001)
    factories.EnrolmentFactory(kind="textpay")
    from refunds.models import StripeEvent

    StripeEvent.objects.create(event_id="evt_1", type="charge.refunded")
    _inactive_balance_noticed_then_held()


def _inactive_balance_noticed_then_held():
    from inactivity.sweep import sweep
    from unclaimed.services import write_holder_report

    long_ago = timezone.now() - timedelta(days=400)
    prepaid = factories.PrepaidAccountFactory(
        account=factories.AccountFactory(address=None), opened_at=long_ago
    )
    factories.PaymentFactory(prepaid_account=prepaid, created_at=long_ago, method="mail")
    sweep()
    sweep(now=timezone.now() + timedelta(days=31))
    write_holder_report(state="TX", year=2030)


@pytest.fixture
def superuser_client(client, loaded):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    return client


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model,model_admin", REGISTRY, ids=[m._meta.label for m, _ in REGISTRY])
def test_changelist_add_and_change_pages_answer(superuser_client, model, model_admin):
    response = superuser_client.get(_url(model, "changelist"))
    assert response.status_code == 200
    obj = model._default_manager.first()
    if model._meta.label in REPORT_PAGES:
        obj = None  # its rows belong to the model it reports on
    elif model._meta.app_label in {
        "accounts",
        "facilities",
        "prepaid",
        "directbill",
        "debit",
        "messaging",
        "video",
        "refunds",
        "inactivity",
        "unclaimed",
    }:
        assert obj is not None, "load some rows so the list columns render"
        assert response.context["cl"].result_count >= 1
    if obj is not None:
        assert superuser_client.get(_url(model, "change", obj.pk)).status_code == 200

    request = RequestFactory().get("/")
    request.user = response.wsgi_request.user
    add = superuser_client.get(_url(model, "add"))
    if model._meta.label in VIEW_ONLY:
        assert not model_admin.has_add_permission(request)
        assert add.status_code == 403
    else:
        assert add.status_code == 200


def test_view_only_list_names_registered_models():
    assert VIEW_ONLY <= {m._meta.label for m, _ in REGISTRY}


def test_money_columns_show_dollars(superuser_client):
    response = superuser_client.get(reverse("admin:prepaid_payment_changelist"))
    assert "$25.00" in response.content.decode()
    response = superuser_client.get(reverse("admin:prepaid_prepaidaccount_changelist"))
    assert "$25.00" in response.content.decode()

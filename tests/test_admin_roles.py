"""The role matrix: every group against every care and operations page and action. Groups come from the
audit data migration (audit/roles.py); no test adds a permission by hand."""

import pytest
import time_machine
from django.urls import reverse

from audit.models import AuditEvent
from audit.roles import MARKETING, OPERATIONS, SUPPORT_AGENT
from audit.services import record
from deletion.services import delete_account
from refunds.models import Check, Refund
from tests import factories
from tests.care_helpers import NOW, caller_account, staff_in

pytestmark = pytest.mark.django_db

SUPER = "superuser"
ALL = [SUPPORT_AGENT, OPERATIONS, MARKETING, SUPER]


@pytest.fixture
def world():
    with time_machine.travel(NOW, tick=False):
        account = caller_account()
        gone = caller_account(email="gone@example.com")
        deletion = delete_account(gone, actor=None, channel="web")
        check = factories.CheckFactory(
            refund=factories.RefundFactory(status=Refund.Status.CHECK_RETURNED),
            status=Check.Status.RETURNED,
            check_number=100900,
        )
        payment = factories.PaymentFactory()
        event = record(actor=None, action=AuditEvent.Action.CHECK_RETURNED, obj=check, channel="admin")
        factories.ClosureRequestFactory()
    return {
        "account": account,
        "gone": gone,
        "deletion": deletion,
        "check": check,
        "payment": payment,
        "event": event,
    }


def _get(name, *args):
    return ("get", lambda w: reverse(name, args=[a(w) for a in args]), {})


def _post(name, *args, data=None):
    return ("post", lambda w: reverse(name, args=[a(w) for a in args]), data or {})


ACCOUNT = lambda w: w["account"].pk  # noqa: E731
GONE = lambda w: w["gone"].pk  # noqa: E731
CHECK = lambda w: w["check"].pk  # noqa: E731
PAYMENT = lambda w: w["payment"].pk  # noqa: E731
EVENT = lambda w: w["event"].pk  # noqa: E731
REFUND = lambda w: w["check"].refund_id  # noqa: E731

# page -> (request, the groups that get 200; everyone else gets 403)
MATRIX = {
    "admin index": (_get("admin:index"), ALL),
    "account list": (_get("admin:accounts_account_changelist"), [SUPPORT_AGENT, OPERATIONS, SUPER]),
    "account page": (_get("admin:accounts_account_change", ACCOUNT), [SUPPORT_AGENT, OPERATIONS, SUPER]),
    "delete on behalf": (_get("admin:accounts_account_care_delete", ACCOUNT), [SUPPORT_AGENT, SUPER]),
    "update address": (_get("admin:accounts_account_care_address", ACCOUNT), [SUPPORT_AGENT, SUPER]),
    "resend tracking link": (
        _get("admin:accounts_account_care_tracking", GONE),
        [SUPPORT_AGENT, OPERATIONS, SUPER],
    ),
    "refund list": (_get("admin:refunds_refund_changelist"), [SUPPORT_AGENT, OPERATIONS, SUPER]),
    "edit a refund": (_post("admin:refunds_refund_change", REFUND, data={"amount_cents": "1"}), []),
    "edit a payment": (_post("admin:prepaid_payment_change", PAYMENT, data={"amount_cents": "1"}), []),
    "delete a payment": (_post("admin:prepaid_payment_delete", PAYMENT, data={"post": "yes"}), []),
    "check list": (_get("admin:refunds_check_changelist"), [SUPPORT_AGENT, OPERATIONS, SUPER]),
    "reissue a check": (_get("admin:refunds_check_care_reissue", CHECK), [OPERATIONS, SUPER]),
    "mark a check returned": (_get("admin:refunds_check_care_returned", CHECK), [OPERATIONS, SUPER]),
    "check runs": (_get("admin:refunds_checkrun_changelist"), [OPERATIONS, SUPER]),
    "direct bill closures": (
        _get("admin:directbill_closurerequest_changelist"),
        [SUPPORT_AGENT, OPERATIONS, SUPER],
    ),
    "direct bill charges": (_get("admin:directbill_charge_changelist"), [OPERATIONS, SUPER]),
    "beat schedules": (_get("admin:django_celery_beat_periodictask_changelist"), [OPERATIONS, SUPER]),
    "add a beat schedule": (_get("admin:django_celery_beat_periodictask_add"), [OPERATIONS, SUPER]),
    "unsubscribe report": (_get("admin:video_unsubscribereport_changelist"), [MARKETING, SUPER]),
    "stuck work": (_get("admin:audit_stuckwork_changelist"), [OPERATIONS, SUPER]),
    "audit trail": (_get("admin:audit_auditevent_changelist"), [SUPPORT_AGENT, OPERATIONS, SUPER]),
    "edit an audit row": (_post("admin:audit_auditevent_change", EVENT, data={"call_reference": "x"}), []),
    "delete an audit row": (_post("admin:audit_auditevent_delete", EVENT, data={"post": "yes"}), []),
    "users (password hashes)": (_get("admin:accounts_user_changelist"), [SUPER]),
}


def _client_for(client, role):
    if role == SUPER:
        user = factories.StaffUserFactory(is_superuser=True)
    else:
        user = staff_in(role)
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ALL)
@pytest.mark.parametrize("page", list(MATRIX))
def test_role_matrix(client, world, role, page):
    (method, url, data), allowed = MATRIX[page]
    client = _client_for(client, role)
    with time_machine.travel(NOW, tick=False):
        response = getattr(client, method)(url(world), data)
    expected = 200 if role in allowed else 403
    assert response.status_code == expected, f"{role} on {page}: {response.status_code}"


def test_nothing_changed_by_the_refused_money_and_audit_actions(client, world):
    for role in ALL:
        c = _client_for(client, role)
        for page in (
            "edit a refund",
            "edit a payment",
            "delete a payment",
            "edit an audit row",
            "delete an audit row",
        ):
            (method, url, data), _ = MATRIX[page]
            getattr(c, method)(url(world), data)
    world["payment"].refresh_from_db()
    assert world["payment"].amount_cents == 2500
    assert Refund.objects.filter(amount_cents=1).count() == 0
    assert AuditEvent.objects.filter(pk=world["event"].pk, call_reference="").exists()


def test_groups_hold_exactly_the_table(db):
    from django.contrib.auth.models import Group

    from audit.roles import ROLE_PERMISSIONS

    for name, by_app in ROLE_PERMISSIONS.items():
        held = {
            f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name=name).permissions.all()
        }
        assert held == {f"{app}.{code}" for app, codes in by_app.items() for code in codes}
    marketing = {p.codename for p in Group.objects.get(name=MARKETING).permissions.all()}
    assert marketing == {"view_unsubscribereport"}

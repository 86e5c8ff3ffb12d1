"""The agent's account list runs the same number of queries for 3 rows as for a full page: email, ZIP code and
status come from one joined query, whatever the page shows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.roles import SUPPORT_AGENT
from tests import factories
from tests.care_helpers import staff_in

pytestmark = pytest.mark.django_db


def _count(client, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:accounts_account_changelist"), params)
    assert response.status_code == 200
    return len(queries), len(response.context["cl"].result_list)


@pytest.mark.parametrize("params", [{}, {"q": "example"}, {"status__exact": "active"}])
def test_account_list_query_count_does_not_grow_with_rows(client, params):
    client.force_login(staff_in(SUPPORT_AGENT))
    for _ in range(3):
        factories.AccountFactory()
    small, small_rows = _count(client, **params)
    for _ in range(40):
        factories.AccountFactory()
    large, large_rows = _count(client, **params)
    assert (small_rows, large_rows) == (3, 25)  # one full page
    assert large == small


def test_stuck_work_query_count_does_not_grow_with_rows(client):
    from django.utils import timezone

    from refunds.models import Refund

    client.force_login(factories.StaffUserFactory(is_superuser=True))
    old = timezone.now() - timezone.timedelta(days=3)

    def stuck(n):
        for _ in range(n):
            factories.RefundFactory(method=Refund.Method.CARD, status=Refund.Status.PENDING, created_at=old)

    stuck(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("admin:audit_stuckwork_changelist")).status_code == 200
    stuck(20)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("admin:audit_stuckwork_changelist"))
    assert 'data-testid="stuck-refunds-total">22<' in page.content.decode()
    assert len(many) == len(few)

"""`email__iexact` (sign-in, agent search) is served by the functional index user_email_upper_uniq."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_iexact_lookup_uses_the_upper_email_index():
    UserFactory.create_batch(50)
    queryset = get_user_model().objects.filter(email__iexact="Person3@Example.com")
    sql, params = queryset.query.sql_with_params()
    assert "UPPER" in sql
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_user")
        # Seqscan off: the planner must show it can use the index, whatever the table size.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "user_email_upper_uniq" in plan, plan
    assert "Seq Scan" not in plan, plan

"""A worker keeps its PostgreSQL connection from task to task, as the web server does between requests,
and a connection PostgreSQL dropped costs no task: the next one checks it and connects again."""

import pytest
from django.db import connection

from securus.celery import app
from tests.workers import worker_thread

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
WAIT = 30  # seconds: a bound on waiting for the worker


@app.task(name="tests.database_backend_pid")
def database_backend_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.fixture
def worker(settings):
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0  # connections are meant to be kept
    app.control.purge()
    with worker_thread(app) as w:
        yield w


def test_tasks_share_the_workers_connection_and_a_dropped_one_is_replaced(worker):
    first = database_backend_pid.delay().get(timeout=WAIT)
    assert database_backend_pid.delay().get(timeout=WAIT) == first
    # PostgreSQL ends the worker's session (a restart, a failover, an operator): the next task runs.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [first])
    replaced = database_backend_pid.delay().get(timeout=WAIT)
    assert replaced != first
    assert database_backend_pid.delay().get(timeout=WAIT) == replaced

"""JSON log lines carry the request id, and a deletion's id through the deletion and the tasks it enqueues."""

import io
import json
import logging

import pytest
import time_machine
from celery import signals
from django.urls import reverse

from deletion.services import delete_account
from securus.logging import ContextFilter, JsonFormatter, _task_postrun, _task_prerun, current, log_context
from tests.care_helpers import NOW, caller_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """What the production handler writes, read back as dicts."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_request_id_is_echoed_or_made(client):
    given = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="req-12345678")
    assert given["X-Request-ID"] == "req-12345678"
    made = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="<script>")
    assert len(made["X-Request-ID"]) == 32 and made["X-Request-ID"] != "<script>"


def test_log_lines_of_a_request_carry_its_id(client, json_lines, monkeypatch):
    from securus.celery import app

    real = app.connection_for_write
    monkeypatch.setattr(app, "connection_for_write", lambda: real(url="redis://127.0.0.1:1/0"))
    client.get(reverse("healthz"), HTTP_X_REQUEST_ID="req-abcdef12")
    lines = [line for line in json_lines() if line["logger"] == "securus.health"]
    assert lines and all(line["request_id"] == "req-abcdef12" for line in lines)
    assert {"ts", "level", "message"} <= set(lines[0])


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # the tasks are published at the real commit, as in production
def test_deletion_log_lines_and_its_tasks_carry_the_deletion_id(json_lines):
    published = []

    def capture(headers=None, sender=None, **kwargs):
        published.append((sender, dict(headers or {})))

    signals.before_task_publish.connect(capture, weak=False)
    try:
        with time_machine.travel(NOW, tick=False):
            account = caller_account()
            deletion = delete_account(account, actor=account.user, channel="web")
    finally:
        signals.before_task_publish.disconnect(capture)
    audit_lines = [line for line in json_lines() if line["logger"] == "audit.services"]
    assert audit_lines and all(line["deletion_id"] == deletion.pk for line in audit_lines)
    # The card refund's task message carries the deletion id to the worker...
    refund_tasks = [h for name, h in published if name == "refunds.tasks.submit_card_refund"]
    assert refund_tasks and all(h["deletion_id"] == deletion.pk for h in refund_tasks)
    # ...and nothing leaks into whatever runs next in this thread.
    assert "deletion_id" not in current()


def test_worker_restores_the_context_from_the_message_headers():
    class Request:
        deletion_id = 42
        request_id = "req-1"

    class Task:
        name = "refunds.tasks.submit_card_refund"
        request = Request()

    _task_prerun(task_id="t-1", task=Task())
    try:
        assert current()["deletion_id"] == 42 and current()["task_id"] == "t-1"
    finally:
        _task_postrun(task_id="t-1")
    assert current() == {}


def test_log_context_nests_and_unwinds():
    with log_context(request_id="r1"):
        with log_context(deletion_id=7):
            assert current() == {"request_id": "r1", "deletion_id": 7}
        assert current() == {"request_id": "r1"}
    assert current() == {}

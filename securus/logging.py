"""JSON log lines carrying the request id, and the deletion id through a deletion and the Celery tasks it
enqueues. The context lives in a ContextVar: set by the middleware for a request, by `log_context` /
`bind` in services, copied into task message headers when a task is published, and restored from them
when the worker runs the task."""

import json
import logging
import re
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_context: ContextVar[dict | None] = ContextVar("securus_log_context", default=None)
# Keys copied into task headers: enough to follow one deletion across web, worker and beat.
PROPAGATED = ("request_id", "deletion_id")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Anything shaped like an email: our own lines name people by id, but libraries (the lockout, a database
# error quoting a row) may not, and logs outlive a deleted account's data.
_EMAIL = re.compile(r"[^\s@'\"<>(),;:\[\]]+@[^\s@'\"<>(),;:\[\]]+\.[^\s@'\"<>(),;:\[\]]+")


def redact(text: str) -> str:
    return _EMAIL.sub("[email]", text)


def current() -> dict:
    return dict(_context.get() or {})


@contextmanager
def log_context(**values):
    """Adds values to every log line inside the block; `bind` inside it adds more until the block ends."""
    token = _context.set({**current(), **values})
    try:
        yield
    finally:
        _context.reset(token)


def bind(**values) -> None:
    _context.set({**current(), **values})


class ContextFilter(logging.Filter):
    def filter(self, record):
        record.context = current()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            **(getattr(record, "context", None) or current()),
        }
        if record.exc_info:
            line["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    """For a developer's terminal: the same context, as key=value after the message."""

    def format(self, record):
        text = redact(super().format(record))
        context = getattr(record, "context", None) or current()
        return text + "".join(f" {k}={v}" for k, v in context.items())


class RequestIdMiddleware:
    """Uses the proxy's X-Request-ID when it looks like one, otherwise makes one; echoes it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        with log_context(request_id=request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


# Celery: the publishing side writes the context into the message, the worker restores it.
_task_tokens: dict[str, object] = {}


def _before_publish(headers=None, **_kwargs):
    if headers is None:
        return
    for key in PROPAGATED:
        value = current().get(key)
        if value is not None and key not in headers:
            headers[key] = value


def _task_prerun(task_id=None, task=None, **_kwargs):
    values = {"task": getattr(task, "name", ""), "task_id": task_id}
    request = getattr(task, "request", None)
    for key in PROPAGATED:
        value = getattr(request, key, None) if request is not None else None
        if value is not None:
            values[key] = value
    _task_tokens[task_id] = _context.set({**current(), **values})


def _task_postrun(task_id=None, **_kwargs):
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        try:
            _context.reset(token)
        except ValueError:  # set in another context (eager run inside a request): just clear ours
            _context.set(None)


def connect_celery_signals() -> None:
    from celery import signals

    signals.before_task_publish.connect(_before_publish, weak=False, dispatch_uid="securus_log_publish")
    signals.task_prerun.connect(_task_prerun, weak=False, dispatch_uid="securus_log_prerun")
    signals.task_postrun.connect(_task_postrun, weak=False, dispatch_uid="securus_log_postrun")

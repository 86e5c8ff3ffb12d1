"""Log lines outlive a deleted account's data, so they never carry an email: our own lines name people by
id, and anything email-shaped a library writes is masked by the formatter."""

import json
import logging

import pytest

from audit.models import AuditEvent
from audit.services import record
from securus.logging import JsonFormatter, TextFormatter
from tests.factories import AccountFactory


def _record(message, *args):
    return logging.LogRecord("axes", logging.INFO, __file__, 1, message, args, None)


@pytest.mark.parametrize("formatter", [JsonFormatter(), TextFormatter("%(message)s")])
def test_the_formatters_mask_emails(formatter):
    line = formatter.format(
        _record("AXES: login failed username: %r by %s", "Card@Demo.Securus.Test", "x@y.org")
    )
    assert "card@demo" not in line.lower() and "x@y.org" not in line
    assert line.count("[email]") == 2


@pytest.mark.django_db
def test_an_audit_row_by_a_family_member_names_the_account_holder_not_the_email(caplog):
    account = AccountFactory()
    with caplog.at_level(logging.INFO, logger="audit.services"):
        event = record(
            actor=account.user, action=AuditEvent.Action.ACCOUNT_DELETED, obj=account, channel="web"
        )
    assert event.actor_label == "account holder"
    assert account.user.email not in caplog.text
    assert f"user {account.user.pk}" in caplog.text
    assert account.user.email not in json.dumps(event.details)

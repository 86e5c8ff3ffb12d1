"""Unsubscribe step 1 answers text that is too long or carries a NUL, and a reason that is no reason, with
a 400 and a clear message; nothing is stored."""

import pytest
from django.urls import reverse

from video.models import UnsubscribeAnswer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "other_text,message",
    [
        ("x" * 501, "at most 500 characters"),
        ("too\x00expensive", "characters that cannot be stored"),
    ],
)
def test_bad_other_text_is_refused(member, subscribed, reasons, other_text, message):
    response = member.post(
        reverse("video:unsubscribe", args=[subscribed.pk]),
        {"action": "continue", "reason": "other", "other_text": other_text},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not UnsubscribeAnswer.objects.exists()


def test_exactly_500_characters_are_kept(member, subscribed, reasons):
    response = member.post(
        reverse("video:unsubscribe", args=[subscribed.pk]),
        {"action": "continue", "reason": "other", "other_text": "y" * 500},
    )
    assert response.status_code == 302
    assert UnsubscribeAnswer.objects.get().other_text == "y" * 500


@pytest.mark.parametrize("reason", ["other\x00", "9" * 40, "x" * 5000])
def test_a_reason_that_is_no_reason_is_refused(member, subscribed, reasons, reason):
    response = member.post(
        reverse("video:unsubscribe", args=[subscribed.pk]), {"action": "continue", "reason": reason}
    )
    assert response.status_code == 400
    assert "Please choose a reason" in response.content.decode()
    assert not UnsubscribeAnswer.objects.exists()

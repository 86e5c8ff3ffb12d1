"""The two Unsubscribe steps (reason, then the warning with Complete Cancellation) through the pages,
against the fake Stripe server."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, AccountFactory
from video.models import UnsubscribeAnswer

from .conftest import snapshot

pytestmark = pytest.mark.django_db


def step1(sub):
    return reverse("video:unsubscribe", args=[sub.pk])


def complete(sub):
    """Step 2, the warning page: GET shows it, POST is "Complete Cancellation"."""
    return reverse("video:unsubscribe_confirm", args=[sub.pk])


def stripe_updates(fake, sub):
    return [
        r
        for r in fake.requests
        if r[0] == "POST" and r[1] == f"/v1/subscriptions/{sub.stripe_subscription_id}"
    ]


def test_step1_lists_the_reasons_and_keeps_unsubscribe_disabled_without_js_help(member, subscribed, reasons):
    page = member.get(step1(subscribed)).content.decode()
    for reason in reasons.values():
        assert reason.label.replace("'", "&#x27;") in page
    assert 'id="unsubscribe-button"' in page and "Stay Enrolled" in page
    assert "js/unsubscribe_reason.js" in page


def test_missing_reason_is_refused_with_a_clear_message(member, subscribed, reasons):
    response = member.post(step1(subscribed), {"action": "continue"})
    assert response.status_code == 400
    assert "Please choose a reason" in response.content.decode()
    assert not UnsubscribeAnswer.objects.exists()


def test_other_needs_words(member, subscribed, reasons):
    response = member.post(step1(subscribed), {"action": "continue", "reason": "other", "other_text": "  "})
    assert response.status_code == 400
    assert "in a few words" in response.content.decode()
    assert not UnsubscribeAnswer.objects.exists()


def test_full_flow_cancels_at_period_end_with_the_reason_as_stripe_feedback(
    member, subscribed, reasons, fake_stripe
):
    before = snapshot(subscribed)
    r1 = member.post(
        step1(subscribed), {"action": "continue", "reason": "other", "other_text": "Moving away"}
    )
    answer = UnsubscribeAnswer.objects.get()
    assert (answer.reason.code, answer.other_text, answer.outcome) == ("other", "Moving away", "pending")
    assert r1.url == f"{reverse('video:unsubscribe_confirm', args=[subscribed.pk])}?answer={answer.pk}"

    page2 = member.get(r1.url).content.decode()
    paid_through = before["current_period_end"].astimezone().strftime("%B %-d, %Y")
    # The warning page holds the facts and both choices: one click from here cancels, one stays.
    assert paid_through in page2 and "None: the subscription will not renew" in page2
    assert "None, for the monthly fee" in page2
    assert "Complete Cancellation" in page2 and "Stay Enrolled" in page2
    assert "Continue to cancel" not in page2
    assert snapshot(subscribed) == before  # showing the warning changes nothing

    r3 = member.post(complete(subscribed), {"answer": answer.pk})
    assert r3.url == reverse("video:unsubscribe_done", args=[subscribed.pk])
    after = snapshot(subscribed)
    assert after["cancel_at_period_end"] is True and after["status"] == "active"
    assert after["current_period_end"] == before["current_period_end"]
    answer.refresh_from_db()
    assert answer.outcome == "cancelled"
    remote = fake_stripe.get("subscriptions", subscribed.stripe_subscription_id)
    assert remote["cancel_at_period_end"] is True and remote["status"] == "active"
    assert remote["cancellation_details"]["feedback"] == "other"
    assert remote["cancellation_details"]["comment"] == "Other: Moving away"
    done = member.get(r3.url).content.decode()
    assert paid_through in done and "Resume" in done


@pytest.mark.parametrize("step", [1, 2])
def test_stay_enrolled_from_each_step_changes_nothing_and_keeps_the_answer(
    member, subscribed, reasons, fake_stripe, step
):
    before = snapshot(subscribed)
    calls_before = len(fake_stripe.requests)
    if step == 1:
        response = member.post(step1(subscribed), {"action": "stay", "reason": "too_expensive"})
    else:
        member.post(step1(subscribed), {"action": "continue", "reason": "too_expensive"})
        answer = UnsubscribeAnswer.objects.get()
        member.get(f"{complete(subscribed)}?answer={answer.pk}")
        response = member.post(reverse("video:unsubscribe_stay", args=[subscribed.pk]), {"answer": answer.pk})
    assert response.status_code == 302 and response.url == reverse("deletion:home")
    assert snapshot(subscribed) == before
    assert len(fake_stripe.requests) == calls_before  # Stripe never asked to change anything
    answer = UnsubscribeAnswer.objects.get()
    assert (answer.reason.code, answer.outcome) == ("too_expensive", "stayed")
    assert answer.decided_at is not None
    # The same words whichever page "Stay Enrolled" was pressed on.
    home = member.get(response.url).content.decode()
    assert f"You are still enrolled in VideoConnect Unlimited at {subscribed.facility}." in home


def test_stay_enrolled_without_a_reason_says_the_same(member, subscribed, reasons):
    response = member.post(step1(subscribed), {"action": "stay"}, follow=True)
    assert f"You are still enrolled in VideoConnect Unlimited at {subscribed.facility}." in (
        response.content.decode()
    )
    assert not UnsubscribeAnswer.objects.exists()


def test_forged_complete_cancellation_without_a_reason_changes_nothing(
    member, subscribed, reasons, fake_stripe
):
    before = snapshot(subscribed)
    for data in ({}, {"answer": ""}, {"answer": "999999"}, {"answer": "x"}):
        response = member.post(complete(subscribed), data)
        assert response.status_code == 302 and response.url == step1(subscribed)
    assert snapshot(subscribed) == before
    assert stripe_updates(fake_stripe, subscribed) == []


def test_another_users_subscription_is_404_and_unchanged(subscribed, reasons, fake_stripe):
    # The owner answered step 1; a stranger replays every step with the owner's ids.
    owner = Client()
    owner.login(username=subscribed.account.user.email, password=PASSWORD)
    owner.post(step1(subscribed), {"action": "continue", "reason": "quality"})
    answer = UnsubscribeAnswer.objects.get()
    before = snapshot(subscribed)

    stranger = Client()
    stranger.login(username=AccountFactory().user.email, password=PASSWORD)
    assert stranger.get(step1(subscribed)).status_code == 404
    assert stranger.post(step1(subscribed), {"action": "continue", "reason": "quality"}).status_code == 404
    assert stranger.get(f"{complete(subscribed)}?answer={answer.pk}").status_code == 404
    assert stranger.post(complete(subscribed), {"answer": answer.pk}).status_code == 404
    assert (
        stranger.post(
            reverse("video:unsubscribe_stay", args=[subscribed.pk]), {"answer": answer.pk}
        ).status_code
        == 404
    )
    assert stranger.post(reverse("video:resume", args=[subscribed.pk])).status_code == 404
    assert snapshot(subscribed) == before
    answer.refresh_from_db()
    assert answer.outcome == "pending" and UnsubscribeAnswer.objects.count() == 1
    assert stripe_updates(fake_stripe, subscribed) == []


def test_complete_cancellation_posted_twice_cancels_once(member, subscribed, reasons, fake_stripe):
    member.post(step1(subscribed), {"action": "continue", "reason": "not_using"})
    answer = UnsubscribeAnswer.objects.get()
    member.post(complete(subscribed), {"answer": answer.pk})
    first = snapshot(subscribed)
    second = member.post(complete(subscribed), {"answer": answer.pk})
    assert second.url == reverse("video:unsubscribe_done", args=[subscribed.pk])
    assert snapshot(subscribed) == first
    assert len(stripe_updates(fake_stripe, subscribed)) == 1
    answer.refresh_from_db()
    assert answer.outcome == "cancelled"


def test_csrf_is_enforced(subscribed, reasons):
    client = Client(enforce_csrf_checks=True)
    client.login(username=subscribed.account.user.email, password=PASSWORD)
    response = client.post(step1(subscribed), {"action": "continue", "reason": "quality"})
    assert response.status_code == 403
    assert not UnsubscribeAnswer.objects.exists()


def test_resume_before_the_period_ends(member, subscribed, reasons, fake_stripe):
    member.post(step1(subscribed), {"action": "continue", "reason": "scheduling"})
    member.post(complete(subscribed), {"answer": UnsubscribeAnswer.objects.get().pk})
    assert snapshot(subscribed)["cancel_at_period_end"] is True
    response = member.post(reverse("video:resume", args=[subscribed.pk]))
    assert response.url == reverse("deletion:home")
    after = snapshot(subscribed)
    assert after["cancel_at_period_end"] is False and after["canceled_at"] is None
    assert (
        fake_stripe.get("subscriptions", subscribed.stripe_subscription_id)["cancel_at_period_end"] is False
    )

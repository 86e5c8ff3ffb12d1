"""VideoConnect pages: subscribe, the two Unsubscribe steps, resume, cancel a session. Logic lives in
subscriptions.py and sessions.py; another person's subscription or session id answers 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Account
from facilities.models import Facility
from securus.cards import card_label
from securus.money import dollars

from . import sessions as session_service
from . import subscriptions as service
from .models import Session, Subscription, UnsubscribeReason

HOME = "deletion:home"
# Test cards the local demo offers in place of Stripe.js (which cannot load offline).
DEMO_CARDS = [("tok_visa", card_label("visa", "4242")), ("tok_mastercard", card_label("mastercard", "4444"))]


def _account(request) -> Account:
    account = Account.objects.filter(user=request.user, status=Account.Status.ACTIVE).first()
    if account is None:
        raise Http404("No active account.")
    return account


def _subscription(request, subscription_id) -> Subscription:
    try:
        return service.owned_subscription(user=request.user, subscription_id=subscription_id)
    except Subscription.DoesNotExist:
        raise Http404("No such subscription.") from None


def _step_context(sub, **extra):
    return {
        "subscription": sub,
        "period_end": sub.current_period_end,
        "stay_url": reverse("video:unsubscribe_stay", args=[sub.pk]),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def subscribe(request):
    account = _account(request)
    taken = service.open_subscriptions(account=account).values_list("facility_id", flat=True)
    facilities = Facility.objects.exclude(pk__in=list(taken))
    error = ""
    if request.method == "POST":
        facility = facilities.filter(pk=request.POST.get("facility") or 0).first()
        card = request.POST.get("payment_method", "")
        if facility is None:
            error = "Choose the facility you want unlimited visits at."
        elif not card:
            error = "Choose the card to charge each month."
        else:
            try:
                sub = service.subscribe(
                    account=account, facility=facility, payment_method=card, actor=request.user
                )
            except service.VideoError as exc:
                error = exc.message
            else:
                messages.success(
                    request,
                    f"You are subscribed to VideoConnect Unlimited at {sub.facility}. It renews on "
                    f"{timezone.localtime(sub.current_period_end):%B %-d, %Y}.",
                )
                return redirect(HOME)
    return render(
        request,
        "video/subscribe.html",
        {
            "facilities": facilities,
            "cards": DEMO_CARDS,
            "price": dollars(service.UNLIMITED_PRICE_CENTS),
            "error": error,
        },
        status=400 if error else 200,
    )


def _still_enrolled(request, sub):
    """'Stay Enrolled' from either step: one message, back to My Account, the subscription untouched."""
    messages.success(request, f"You are still enrolled in VideoConnect Unlimited at {sub.facility}.")
    return redirect(HOME)


@login_required
@require_http_methods(["GET", "POST"])
def unsubscribe(request, subscription_id):
    """Step 1: why are you leaving? The answer is stored even if the person then stays."""
    sub = _subscription(request, subscription_id)
    if not service.is_cancellable(sub):
        return redirect(HOME)
    reasons = UnsubscribeReason.objects.filter(active=True)
    error, chosen, other_text = "", None, ""
    if request.method == "POST":
        stay = request.POST.get("action") == "stay"
        code = request.POST.get("reason", "")
        # A code is a short slug: anything else (a NUL, a page of text) is simply no reason.
        chosen = reasons.filter(code=code).first() if code.isascii() and code.isprintable() else None
        other_text = request.POST.get("other_text", "")
        if chosen is None:
            if stay:
                return _still_enrolled(request, sub)
            error = "Please choose a reason before you unsubscribe."
        else:
            try:
                answer = service.answer_reason(
                    subscription=sub, reason=chosen, other_text=other_text, stayed=stay
                )
            except service.VideoError as exc:
                if stay:
                    return _still_enrolled(request, sub)
                error = exc.message
            else:
                if stay:
                    return _still_enrolled(request, sub)
                return redirect(f"{reverse('video:unsubscribe_confirm', args=[sub.pk])}?answer={answer.pk}")
    return render(
        request,
        "video/unsubscribe_reason.html",
        _step_context(sub, reasons=reasons, error=error, chosen=chosen, other_text=other_text),
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def unsubscribe_confirm(request, subscription_id):
    """Step 2, the warning: what ends and when. POST "Complete Cancellation" ends it at the period's end."""
    sub = _subscription(request, subscription_id)
    if not service.is_cancellable(sub):
        # Already cancelled (a repeated POST, a second tab): nothing more to do.
        return redirect("video:unsubscribe_done", sub.pk) if service.is_resumable(sub) else redirect(HOME)
    answer = service.pending_answer(
        subscription=sub, answer_id=request.POST.get("answer") or request.GET.get("answer")
    )
    if answer is None:
        messages.error(request, "Please choose a reason first.")
        return redirect("video:unsubscribe", sub.pk)
    if request.method == "POST":
        try:
            service.complete_cancellation(answer=answer)
        except service.VideoError as exc:
            messages.error(request, exc.message)
        else:
            return redirect("video:unsubscribe_done", sub.pk)
    return render(request, "video/unsubscribe_confirm.html", _step_context(sub, answer=answer))


@login_required
def unsubscribe_done(request, subscription_id):
    sub = _subscription(request, subscription_id)
    return render(request, "video/unsubscribe_done.html", {"subscription": sub})


@login_required
@require_POST
def unsubscribe_stay(request, subscription_id):
    """'Stay Enrolled' on the warning page: the reason is kept as "stayed"."""
    sub = _subscription(request, subscription_id)
    answer = service.pending_answer(subscription=sub, answer_id=request.POST.get("answer"))
    service.stay_enrolled(answer=answer)
    return _still_enrolled(request, sub)


@login_required
@require_POST
def resume(request, subscription_id):
    sub = _subscription(request, subscription_id)
    if service.is_resumable(sub):
        try:
            sub = service.resume(subscription=sub)
        except service.VideoError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"VideoConnect Unlimited at {sub.facility} will keep renewing; the next charge is on "
                f"{timezone.localtime(sub.current_period_end):%B %-d, %Y}.",
            )
    return redirect(HOME)


@login_required
@require_POST
def cancel_session(request, session_id):
    try:
        session = session_service.owned_session(user=request.user, session_id=session_id)
    except Session.DoesNotExist:
        raise Http404("No such session.") from None
    if session_service.cancel_session(session=session):
        messages.success(request, f"Your visit with {session.inmate.name} was cancelled. It is not refunded.")
    else:
        messages.error(request, "That visit can no longer be cancelled.")
    # Back where the button was (My Account, or the Delete Account preview); never to another site.
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect(HOME)

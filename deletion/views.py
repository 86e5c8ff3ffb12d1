"""The family's My Account page and the three Delete Account steps. Thin: the work is done by
deletion.services, deletion.selectors and accounts.addresses."""

from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import addresses
from accounts.forms import DeleteConfirmForm, VerifyAddressForm
from accounts.views import family_account_required
from refunds.tracking import deletion_id_from_token, tracking_path

from . import selectors
from .models import AccountDeletion
from .services import DeletionError, delete_account, plan_deletion

# After deletion the session is flushed; the receipt token kept in the new anonymous session lets a
# replayed confirm POST (refresh, back button, double click) land on the receipt instead of an error.
RECEIPT_SESSION_KEY = "deletion_receipt_token"


@never_cache
@family_account_required
def home(request):
    overview = selectors.account_overview(request.account)
    return render(request, "deletion/home.html", {"overview": overview, "account": request.account})


def _preview_context(request, plan, *, confirm_form=None, verify_form=None):
    confirm_form = confirm_form or DeleteConfirmForm(
        user=request.user, initial={"fingerprint": plan.fingerprint}
    )
    verify_form = verify_form or VerifyAddressForm(
        initial={"shown": str(plan.address) if plan.address else ""}
    )
    # One error summary at the top of the page for both forms.
    forms_with_errors = [f for f in (verify_form, confirm_form) if f.errors]
    return {
        "plan": plan,
        "account": request.account,
        "confirm_form": confirm_form,
        "verify_form": verify_form,
        "forms_with_errors": forms_with_errors,
        "error_count": sum(len(f.errors) for f in forms_with_errors),
    }


@never_cache
@family_account_required
@require_http_methods(["GET", "POST"])
def delete(request):
    """Step 1: what deleting will do, service by service. POST here confirms the mailing address."""
    if request.method == "POST":
        form = VerifyAddressForm(request.POST)
        if form.is_valid():
            verified = addresses.verify_address(
                account=request.account, shown=form.cleaned_data["shown"], now=timezone.now()
            )
            if verified is None:
                messages.error(
                    request, "Your address changed since this page was shown. Please check it again."
                )
            else:
                messages.success(request, "Thank you. Your mailing address is confirmed.")
            return redirect("deletion:delete")
        plan = plan_deletion(request.account)
        return render(
            request, "deletion/delete.html", _preview_context(request, plan, verify_form=form), status=400
        )
    plan = plan_deletion(request.account)
    return render(request, "deletion/delete.html", _preview_context(request, plan))


def _receipt_redirect(token: str):
    return redirect("deletion:delete_done", token=token)


@never_cache
@require_POST
def delete_confirm(request):
    """Step 2: password and "I understand", then delete once and show the receipt."""
    if not request.user.is_authenticated:
        # Already deleted (this browser's session ended with it) or signed out: never an error page.
        token = request.session.get(RECEIPT_SESSION_KEY)
        if token and deletion_id_from_token(token) is not None:
            return _receipt_redirect(token)
        messages.info(
            request,
            "You are signed out, so nothing was deleted. If you had just deleted your account, it is done: "
            "the email we sent has the link to your receipt.",
        )
        return redirect("accounts:login")
    return _confirm_signed_in(request)


@family_account_required
def _confirm_signed_in(request):
    # The account is always request.user's own; any account id in the POST is ignored by construction.
    account = request.account
    form = DeleteConfirmForm(request.POST, user=request.user, request=request)
    if not form.is_valid():
        plan = plan_deletion(account)
        return render(
            request, "deletion/delete.html", _preview_context(request, plan, confirm_form=form), status=400
        )
    try:
        deletion = delete_account(
            account,
            actor=request.user,
            channel=AccountDeletion.Channel.WEB,
            expected_fingerprint=form.cleaned_data["fingerprint"] or None,
            site_url=request.build_absolute_uri("/"),
        )
    except DeletionError as exc:
        messages.error(request, exc.message)
        if exc.code == "plan_changed":
            plan = plan_deletion(account)
            fresh = DeleteConfirmForm(user=request.user, initial={"fingerprint": plan.fingerprint})
            context = _preview_context(request, plan, confirm_form=fresh)
            context["plan_changed"] = True
            return render(request, "deletion/delete.html", context, status=409)
        return redirect("deletion:delete")
    token = deletion.tracking_key
    logout(request)
    request.session[RECEIPT_SESSION_KEY] = token
    return _receipt_redirect(token)


@never_cache
def delete_done(request, token):
    """Step 3: the receipt. Reachable without a session: the signed token names the deletion."""
    deletion_id = deletion_id_from_token(token)
    deletion = AccountDeletion.objects.filter(pk=deletion_id).first() if deletion_id is not None else None
    if deletion is None:
        raise Http404("No deletion matches this link.")
    response = render(
        request,
        "deletion/delete_done.html",
        {
            "receipt": selectors.deletion_receipt(deletion),
            "tracking_url": tracking_path(deletion.pk, token=deletion.tracking_key),
        },
    )
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"  # the token is the key: never leak it to other sites
    return response

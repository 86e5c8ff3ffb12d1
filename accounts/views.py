"""Identity pages: sign-up and My Settings. Thin: the work is done by accounts.addresses."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import addresses
from .forms import AddressForm, SignUpForm
from .models import Account, User


def family_account_required(view):
    """Signed-in family member with an active account; `request.account` is theirs and only theirs."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if request.user.is_staff:
            messages.info(request, "Staff accounts have no family account page. Use the admin instead.")
            return redirect("admin:index")
        account = getattr(request.user, "account", None)  # loaded with the user (AccountBackend)
        if account is None or account.status != Account.Status.ACTIVE:
            logout(request)
            messages.error(request, "There is no active Securus Online account for this sign-in.")
            return redirect("accounts:login")
        request.account = account
        return view(request, *args, **kwargs)

    return wrapper


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("deletion:home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            user = User.objects.create_user(data["email"], data["password1"], name=data["name"])
            Account.objects.create(user=user, name=data["name"])
        login(request, user, backend="accounts.backends.AccountBackend")
        messages.success(request, "Your account is ready. Add your mailing address in My Settings.")
        return redirect("accounts:settings")
    return render(request, "registration/signup.html", {"form": form})


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = {reverse("deletion:delete"), reverse("deletion:home")}
    return target if target in allowed else ""


@never_cache
@family_account_required
@require_http_methods(["GET", "POST"])
def my_settings(request):
    account = request.account
    address = getattr(account, "address", None)
    next_url = _safe_next(request)
    if request.method == "POST":
        form = AddressForm(request.POST)
        if form.is_valid():
            saved = addresses.save_address(
                account=account,
                clean=form.clean_address,
                verified=form.cleaned_data["confirm"],
                now=timezone.now(),
            )
            if saved.verified_at:
                messages.success(request, "Your mailing address is saved and confirmed.")
            else:
                messages.success(
                    request,
                    "Your mailing address is saved. Tick the box and save again to confirm it is correct.",
                )
            return redirect(next_url or "accounts:settings")
    else:
        initial = {}
        if address is not None:
            initial = {
                "line1": address.line1,
                "line2": address.line2,
                "city": address.city,
                "state": address.state,
                "zip_code": address.zip_code,
            }
        form = AddressForm(initial=initial)
    return render(
        request,
        "accounts/settings.html",
        {"form": form, "address": address, "account": account, "next": next_url},
    )

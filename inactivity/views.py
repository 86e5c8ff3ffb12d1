from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from prepaid.models import PrepaidAccount

from .keep import KeepError, keep_account, prepaid_id_from_token
from .models import KeepRequest


@require_http_methods(["GET", "POST"])
def keep(request, token):
    """The "keep my account" link of the notice email. GET only asks (mail scanners open links); the
    button's POST records the holder's wish, which restarts the inactivity clock."""
    prepaid_id = prepaid_id_from_token(token)
    prepaid = PrepaidAccount.objects.filter(pk=prepaid_id).first() if prepaid_id is not None else None
    if prepaid is None:
        raise Http404("This link is not valid.")
    context = {"prepaid": prepaid, "kept": False, "error": ""}
    if request.method == "POST":
        try:
            keep_account(prepaid=prepaid, channel=KeepRequest.Channel.EMAIL)
            context["kept"] = True
        except KeepError as exc:
            context["error"] = exc.message
    elif prepaid.status != PrepaidAccount.Status.OPEN:
        context["error"] = "This AdvanceConnect account is already closed; its balance was refunded."
    response = render(request, "inactivity/keep.html", context)
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response

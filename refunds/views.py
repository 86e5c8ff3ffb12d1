from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import selectors, webhooks
from .tracking import deletion_id_from_token


@require_GET
def track(request, token):
    deletion_id = deletion_id_from_token(token)
    page = selectors.tracking_page(deletion_id=deletion_id) if deletion_id is not None else None
    if page is None:
        raise Http404("No refund matches this link.")
    response = render(request, "refunds/track.html", page)
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"  # the token is the key: never leak it to other sites
    # Refund amounts and a card's last four: never kept by a shared computer's cache or a proxy.
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # Stripe signs the request instead
@require_POST
def stripe_webhook(request):
    try:
        outcome = webhooks.handle_webhook(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except webhooks.BadWebhook:
        return HttpResponseBadRequest("invalid signature or payload")  # logged by handle_webhook
    return HttpResponse(outcome)

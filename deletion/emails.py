"""The deletion receipt email: what happened and the signed link to follow each refund without an account."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from refunds.tracking import tracking_url

from .models import AccountDeletion
from .selectors import deletion_receipt


def send_deletion_receipt(*, deletion: AccountDeletion, to_email: str, base_url: str) -> None:
    """Send the receipt once the deletion is committed (never for a deletion that rolled back)."""
    if not to_email:
        return
    deletion_id = deletion.pk

    def send():
        fresh = AccountDeletion.objects.get(pk=deletion_id)
        context = {
            "receipt": deletion_receipt(fresh),
            "tracking_url": tracking_url(fresh.pk, base_url=base_url, token=fresh.tracking_key),
        }
        send_mail(
            subject="Your Securus Online account has been deleted",
            message=render_to_string("deletion/email/deletion_receipt.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[to_email],
        )

    transaction.on_commit(send)

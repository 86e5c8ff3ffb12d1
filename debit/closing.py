"""Securus Debit closer: the family member's link ends. Deposits belong to the incarcerated person and
stay in their account: nothing is refunded."""

from django.db.models import Sum

from accounts.closers import ServicePreview
from securus.money import dollars, format_cents

from .models import DebitLink, Deposit


class DebitCloser:
    service = "debit"
    title = "Securus Debit"

    def preview(self, account, *, now) -> ServicePreview | None:
        links = list(
            DebitLink.objects.filter(account=account, ended_at__isnull=True)
            .select_related("debit_account__owner")
            .values_list("pk", "debit_account__owner__name")[:20]
        )
        deposited = (
            Deposit.objects.filter(depositor=account).aggregate(total=Sum("amount_cents"))["total"] or 0
        )
        if not links and not deposited:
            return None
        names = sorted({name for _, name in links})
        details = [
            f"You deposited {dollars(deposited)} in total. That money belongs to the person you sent it to "
            "and stays in their account; it is not refunded to you."
        ]
        if names:
            details.append(f"Your link to {', '.join(names)}'s debit account ends.")
        return ServicePreview(
            service=self.service,
            title=self.title,
            headline="Your link will end. Deposits stay with the incarcerated person.",
            details=details,
            report={"refunded": "0.00", "kept_by_incarcerated_person": format_cents(deposited)},
            data={"link_ids": [pk for pk, _ in links]},
        )

    def close(self, account, deletion, preview: ServicePreview, *, now) -> dict:
        DebitLink.objects.filter(account=account, ended_at__isnull=True).update(ended_at=now)
        return preview.report

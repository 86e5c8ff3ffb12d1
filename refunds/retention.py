"""How long a deleted account's contact email is kept: while money still moves and no longer.

Each part that will still write to the holder (refund status emails, the Direct Bill final statement) is
named in the deletion's `contact_kept_for` and lets go when it is done; the email is erased when the last
one lets go. It sits in refunds, below the deletion app, so Direct Bill can reach it too."""

from django.db import transaction

from .models import deletion_model

REFUNDS = "refunds"
DIRECTBILL = "directbill"


def release_contact(*, deletion_id: int | None, purpose: str) -> bool:
    """`purpose` no longer needs the contact email. Returns True when this erased it. Safe to repeat."""
    if deletion_id is None:
        return False
    with transaction.atomic():
        deletion = deletion_model().objects.select_for_update().filter(pk=deletion_id).first()
        if deletion is None or purpose not in deletion.contact_kept_for:
            return False
        deletion.contact_kept_for = [p for p in deletion.contact_kept_for if p != purpose]
        if deletion.contact_kept_for:
            deletion.save(update_fields=["contact_kept_for"])
            return False
        deletion.contact_email = ""
        deletion.save(update_fields=["contact_kept_for", "contact_email"])
        return True


def release_contacts(*, deletion_ids, purpose: str) -> int:
    """`release_contact` for many deletions at once, touching only those still kept for `purpose` (one
    query to find them, so a batch job pays per deletion that really changes). Returns how many erased."""
    kept = [
        pk
        for pk, kept_for in deletion_model()
        .objects.filter(pk__in=list(deletion_ids))
        .values_list("pk", "contact_kept_for")
        if purpose in (kept_for or [])
    ]
    return sum(release_contact(deletion_id=pk, purpose=purpose) for pk in kept)

"""How long a deleted account's contact email is kept: while money still moves and no longer.

Each part that will still write to the holder (refund status emails, the Direct Bill final statement) is
named in the deletion's `contact_kept_for` and lets go when it is done; the email is erased when the last
one lets go. It sits in refunds, below the deletion app, so Direct Bill can reach it too."""

from django.db import connection, transaction

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
    """`release_contact` for many deletions at once, touching only those still kept for `purpose`: on
    PostgreSQL one UPDATE whatever the batch (a check run or a Direct Bill batch lets go of thousands).
    Returns how many erased."""
    ids = list(deletion_ids)
    if not ids:
        return 0
    if connection.vendor != "postgresql":  # the laptop demo on SQLite: row by row
        kept = [
            pk
            for pk, kept_for in deletion_model()
            .objects.filter(pk__in=ids)
            .values_list("pk", "contact_kept_for")
            if purpose in (kept_for or [])
        ]
        return sum(release_contact(deletion_id=pk, purpose=purpose) for pk in kept)
    # `jsonb - text` drops every element equal to the purpose, as release_contact does.
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {deletion_model()._meta.db_table}
               SET contact_kept_for = contact_kept_for - %(purpose)s::text,
                   contact_email = CASE WHEN contact_kept_for - %(purpose)s::text = '[]'::jsonb
                                        THEN '' ELSE contact_email END
             WHERE id = ANY(%(ids)s) AND contact_kept_for @> jsonb_build_array(%(purpose)s::text)
            RETURNING contact_kept_for = '[]'::jsonb
            """,
            {"purpose": purpose, "ids": ids},
        )
        return sum(1 for (erased,) in cursor.fetchall() if erased)

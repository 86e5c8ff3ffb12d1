"""The canonical form of an email address, shared by identity (accounts) and the sign-in lockout."""

import unicodedata


def canonical_email(email: str) -> str:
    """The one form of an email that sign-up, sign-in, uniqueness, the lockout and retired emails compare.

    NFKC folds look-alike compatibility characters (the long s "ſ", full-width letters) into their plain
    forms, and casefold() is Unicode's caseless match ("ß" = "ss"), so two spellings a mail server would
    treat as one address are one account. Plus-addressing ("ana+video@") and dots are kept: whether they
    reach the same mailbox is up to each provider, so they are different addresses here."""
    return unicodedata.normalize("NFKC", email or "").casefold().strip()

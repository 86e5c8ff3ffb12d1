"""Releasing a deleted account's contact email in bulk: each deletion lets go of one purpose, and the
email goes only with the last purpose that kept it."""

import pytest

from deletion.models import AccountDeletion
from refunds.retention import DIRECTBILL, REFUNDS, release_contacts

from .helpers import make_deletion

pytestmark = pytest.mark.django_db


def kept(kept_for, email="ana@example.com"):
    deletion = make_deletion(email=email)
    AccountDeletion.objects.filter(pk=deletion.pk).update(contact_kept_for=kept_for)
    return deletion.pk


def state(pk):
    return AccountDeletion.objects.values_list("contact_email", "contact_kept_for").get(pk=pk)


def test_only_the_last_purpose_erases_the_email():
    last = kept([REFUNDS])
    shared = kept([REFUNDS, DIRECTBILL])
    other = kept([DIRECTBILL])
    never = kept([])
    assert release_contacts(deletion_ids=[last, shared, other, never], purpose=REFUNDS) == 1
    assert state(last) == ("", [])
    assert state(shared) == ("ana@example.com", [DIRECTBILL])
    assert state(other) == ("ana@example.com", [DIRECTBILL])
    assert state(never) == ("ana@example.com", [])  # kept for nothing named: not this release's to erase
    # Again: nothing left to release for that purpose.
    assert release_contacts(deletion_ids=[last, shared, other, never], purpose=REFUNDS) == 0
    assert release_contacts(deletion_ids=[shared, other], purpose=DIRECTBILL) == 2
    assert state(shared) == state(other) == ("", [])


def test_no_ids_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert release_contacts(deletion_ids=[], purpose=REFUNDS) == 0

"""Agents find the caller's account among many: by the phone number however it is said, by email, name,
ZIP code and the incarcerated person's name, in care.search and on the admin's account list."""

import pytest
from django.urls import reverse

from care.search import matched_phones, parse_phone, search_account_ids
from tests import factories
from tests.care_helpers import caller_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowd():
    """40 other accounts with phone lines, addresses, inmates: none shares the caller's details."""
    for n in range(40):
        account = factories.AccountFactory(user__email=f"other{n}@example.net", name=f"Other Person {n}")
        account.address.zip_code = f"{76000 + n}"
        account.address.save()
        prepaid = factories.PrepaidAccountFactory(account=account)
        factories.PhoneNumberFactory(prepaid_account=prepaid, number=f"+1972{n:03d}{n:04d}")
        factories.DebitLinkFactory(account=account, debit_account__owner__name=f"Inmate Number {n}")
    return caller_account()


@pytest.mark.parametrize(
    "said",
    [
        "(214) 555-0101",
        "214-555-0101",
        "+12145550101",
        "214.555.0101",
        "1 214 555 0101",
        "555-0101",
        "5550101",
    ],
)
def test_phone_in_any_common_format_finds_the_one_account(crowd, said):
    assert search_account_ids(said) == [crowd.pk]


def test_account_contact_phone_is_searched_too(crowd):
    other = factories.AccountFactory(phone="+14695551234")
    assert search_account_ids("(469) 555-1234") == [other.pk]
    assert search_account_ids("555-1234") == [other.pk]


@pytest.mark.parametrize(
    "term",
    [
        "ana.diaz@example.com",
        "ANA.DIAZ@EXAMPLE.COM",
        "ana.diaz@",
        "Ana Diaz",
        "ana diaz",
        "75201",
        "Johnny Roebuck",
        "roebuck",
    ],
)
def test_email_name_zip_and_inmate_find_the_one_account(crowd, term):
    assert search_account_ids(term) == [crowd.pk]


def test_inmate_found_through_video_sessions_as_well(crowd):
    visitor = factories.AccountFactory(name="Visiting Relative")
    factories.SessionFactory(account=visitor, inmate__name="Marcus Feldspar")
    assert search_account_ids("feldspar") == [visitor.pk]


def test_no_match_and_blank_find_nothing(crowd):
    assert search_account_ids("Nobody Here") == []
    assert search_account_ids("   ") == []
    assert search_account_ids("(999) 000-0000") == []


def test_phone_parsing_refuses_what_is_not_a_phone_number():
    assert parse_phone("214 555 01") is None  # 8 digits: not a number a caller gives
    assert parse_phone("Ana") is None
    assert parse_phone("(214) 555-0101").e164 == "+12145550101"
    assert parse_phone("555 0101").suffix == "5550101"


def test_admin_account_list_search_by_phone(crowd, admin_client):
    response = admin_client.get(reverse("admin:accounts_account_changelist"), {"q": "(214) 555-0101"})
    assert response.status_code == 200
    assert [a.pk for a in response.context["cl"].result_list] == [crowd.pk]


def test_search_uses_the_trigram_and_prefix_indexes(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%%trgm' OR indexname = 'address_zip_prefix_idx'"
        )
        defs = dict(cursor.fetchall())
    assert "upper((name)::text) gin_trgm_ops" in defs["account_name_upper_trgm"]
    assert "upper((email)::text) gin_trgm_ops" in defs["user_email_upper_trgm"]
    assert "upper((name)::text) gin_trgm_ops" in defs["person_name_upper_trgm"]
    assert "number gin_trgm_ops" in defs["phone_number_trgm"]
    assert "varchar_pattern_ops" in defs["address_zip_prefix_idx"]
    # The planner picks them for the queries the search runs (sequential scans off: the table is small here).
    from accounts.models import Account

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = Account.objects.filter(name__icontains="diaz").explain()
    assert "account_name_upper_trgm" in plan
    plan = Account.objects.filter(phone__endswith="5550101").explain()
    assert "account_phone_trgm" in plan


@pytest.mark.parametrize("term", ["Diaz, Ana", "diaz,ana", "Ana Dias", "Anna Diaz", "75201-4321"])
def test_last_first_close_misspellings_and_zip_plus_four_find_the_account(crowd, term):
    assert search_account_ids(term) == [crowd.pk]


def test_a_different_name_is_not_close_enough(crowd):
    assert search_account_ids("Bea Lopez") == []


def test_the_number_that_matched_is_reported_for_each_account(crowd):
    own = factories.AccountFactory(phone="+12145550101", name="Own Phone Holder")
    ids = search_account_ids("(214) 555-0101")
    assert set(ids) == {crowd.pk, own.pk}
    assert matched_phones(ids, "(214) 555-0101") == {crowd.pk: "+12145550101", own.pk: "+12145550101"}
    assert matched_phones(ids, "555-0101") == {crowd.pk: "+12145550101", own.pk: "+12145550101"}
    assert matched_phones(ids, "Ana Diaz") == {}


def test_a_direct_bill_number_finds_its_account_and_is_erased_at_deletion(crowd):
    from deletion.models import AccountDeletion
    from deletion.scenario import load_scenario
    from deletion.services import delete_account

    billed = load_scenario(
        data={
            "account": {"email": "dana@example.com", "name": "Dana Birch"},
            "directbill": {"phone_number": "(972) 555-0199", "charges": []},
        }
    )
    for said in ["(972) 555-0199", "+19725550199", "555-0199"]:
        assert search_account_ids(said) == [billed.pk]
        assert matched_phones([billed.pk], said) == {billed.pk: "+19725550199"}
    delete_account(billed, actor=None, channel=AccountDeletion.Channel.PHONE)
    assert search_account_ids("(972) 555-0199") == []


def test_a_common_name_stops_at_the_first_full_branch(db):
    """When the substring search alone finds MAX_RESULTS accounts, the email, inmate and misspelling
    searches (which could only add accounts past the cut) are not run."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Account
    from care.search import MAX_RESULTS

    Account.objects.bulk_create(Account(name=f"Kim Thompson {n}") for n in range(MAX_RESULTS + 5))
    with CaptureQueriesContext(connection) as queries:
        found = search_account_ids("Thompson")
    assert len(found) == MAX_RESULTS and len(queries) == 1
    # Fewer than MAX_RESULTS: every branch still runs, close misspellings included.
    assert search_account_ids("Tompson")


def test_the_account_list_draws_no_navigation_sidebar_other_pages_do(admin_client):
    factories.AccountFactory()
    account_list = admin_client.get(reverse("admin:accounts_account_changelist")).content.decode()
    assert 'id="nav-sidebar"' not in account_list
    other_list = admin_client.get(reverse("admin:refunds_refund_changelist")).content.decode()
    assert 'id="nav-sidebar"' in other_list and reverse("admin:accounts_account_changelist") in other_list
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:refunds_refund_changelist") in index  # the app list, built when drawn


def test_result_links_carry_the_search_as_django_writes_them(crowd, admin_client):
    page = admin_client.get(
        reverse("admin:accounts_account_changelist"), {"q": "Ana Diaz", "status__exact": "active"}
    )
    change = reverse("admin:accounts_account_change", args=[crowd.pk])
    assert (
        f'href="{change}?_changelist_filters=q%3DAna%2BDiaz%26status__exact%3Dactive"'
        in page.content.decode()
    )
    plain = admin_client.get(reverse("admin:accounts_account_changelist"))
    assert f'href="{change}"' in plain.content.decode()

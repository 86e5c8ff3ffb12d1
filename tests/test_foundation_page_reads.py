"""The helpers My Account is read and written with: queries compiled once (securus.compiled) and dates
written without Django's format interpreter (securus.dates), each equal to what it replaces."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from axes.models import AccessAttempt
from django.db import connection, transaction
from django.db.models import BigIntegerField, CharField, Count, DateTimeField, F, OuterRef, Sum
from django.db.models.functions import JSONObject
from django.template.defaultfilters import date as date_filter
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from accounts.models import Account
from prepaid.models import Payment, PhoneNumber
from securus.compiled import CompiledValues, CompiledWrite, JSONList, Param, json_datetime
from securus.dates import PageDates
from tests import factories as f

CHICAGO = ZoneInfo("America/Chicago")

# Both sides of the autumn DST change (01:00-02:00 happens twice in Chicago), noon, midnight, one-digit days.
MOMENTS = [
    datetime.datetime(2026, 11, 1, 6, 30, tzinfo=datetime.UTC),
    datetime.datetime(2026, 11, 1, 7, 30, tzinfo=datetime.UTC),
    datetime.datetime(2026, 3, 8, 8, 5, tzinfo=datetime.UTC),
    datetime.datetime(2026, 12, 31, 18, 0, tzinfo=datetime.UTC),
    datetime.datetime(2027, 1, 1, 5, 59, tzinfo=datetime.UTC),
    datetime.datetime(2026, 7, 4, 17, 0, tzinfo=CHICAGO),
    datetime.datetime(2026, 7, 4, 0, 0, tzinfo=CHICAGO),
]


@pytest.mark.parametrize("moment", MOMENTS)
def test_page_dates_write_what_the_date_filter_writes(moment):
    local = timezone.localtime(moment)  # the template hands the filter local time
    dates = PageDates()
    assert dates.long_date(moment) == date_filter(local, "F j, Y")
    assert dates.month_day(moment) == date_filter(local, "F j")
    assert dates.visit_time(moment) == date_filter(local, "D, F j, Y, g:i A")
    assert dates.short_visit_time(moment) == date_filter(local, "D, M j, Y, g:i A")
    assert dates.long_date(moment.date()) == date_filter(moment.date(), "F j, Y")


def test_page_dates_follow_the_active_time_zone_and_write_nothing_for_no_date():
    moment = datetime.datetime(2026, 11, 27, 3, 30, tzinfo=datetime.UTC)  # Nov 26 in Chicago
    assert PageDates().long_date(moment) == "November 26, 2026"
    with timezone.override(datetime.UTC):
        assert PageDates().visit_time(moment) == "Fri, November 27, 2026, 3:30 AM"
    assert PageDates().long_date(None) == "" == PageDates().visit_time(None)


def test_page_dates_use_the_active_language():
    moment = datetime.datetime(2026, 11, 26, 18, 0, tzinfo=datetime.UTC)
    with translation.override("es"):
        assert PageDates().long_date(moment) == date_filter(timezone.localtime(moment), "F j, Y")
        short = date_filter(timezone.localtime(moment), "D, M j, Y, g:i A")
        assert PageDates().short_visit_time(moment) == short
    assert PageDates().long_date(moment) == "November 26, 2026"


@pytest.mark.django_db
def test_a_compiled_query_runs_with_each_calls_values_and_the_orms_conversions():
    prepaid = f.PrepaidAccountFactory()
    other = f.PrepaidAccountFactory()
    start = timezone.now() - datetime.timedelta(days=3)
    for i, cents in enumerate((500, 700, 900)):
        f.PaymentFactory(
            prepaid_account=prepaid, amount_cents=cents, created_at=start + datetime.timedelta(days=i)
        )
    f.PaymentFactory(prepaid_account=other, amount_cents=111, created_at=start)
    since = Param("since", DateTimeField())
    built = []

    def build():
        built.append(1)
        return (
            Payment.objects.filter(
                prepaid_account_id=Param("prepaid", BigIntegerField()), created_at__gte=since
            )
            .order_by("created_at")
            .values("amount_cents", "created_at", account=F("prepaid_account__account__name"))
        )

    payments = CompiledValues(build)

    def orm(prepaid_id, after):
        return list(
            Payment.objects.filter(prepaid_account_id=prepaid_id, created_at__gte=after)
            .order_by("created_at")
            .values("amount_cents", "created_at", account=F("prepaid_account__account__name"))
        )

    for prepaid_id, after in [
        (prepaid.pk, start),
        (prepaid.pk, start + datetime.timedelta(hours=30)),
        (other.pk, start),
        (other.pk, timezone.now()),
    ]:
        with CaptureQueriesContext(connection) as queries:
            rows = payments.rows(prepaid=prepaid_id, since=after)
        assert rows == orm(prepaid_id, after)
        assert len(queries) == 1
    assert [r["amount_cents"] for r in payments.rows(prepaid=prepaid.pk, since=start)] == [500, 700, 900]
    assert isinstance(payments.rows(prepaid=prepaid.pk, since=start)[0]["created_at"], datetime.datetime)
    assert len(built) == 1  # built and compiled once, run six times


@pytest.mark.django_db
def test_json_lists_fold_rows_into_one_value_empty_when_there_are_none():
    used, unused = f.AccountFactory(), f.AccountFactory()
    prepaid = f.PrepaidAccountFactory(account=used)
    for cents in (250, 250, 400):
        f.PaymentFactory(prepaid_account=prepaid, amount_cents=cents)
    by_amount = (
        Payment.objects.filter(prepaid_account__account=OuterRef("pk"))
        .values("amount_cents")
        .annotate(item=JSONObject(amount="amount_cents", count=Count("pk"), total=Sum("amount_cents")))
        .values("item")
    )
    rows = dict(Account.objects.filter(pk__in=[used.pk, unused.pk]).values_list("pk", JSONList(by_amount)))
    assert sorted(rows[used.pk], key=lambda item: item["amount"]) == [
        {"amount": 250, "count": 2, "total": 500},
        {"amount": 400, "count": 1, "total": 400},
    ]
    assert rows[unused.pk] == []


def test_json_datetimes_from_either_database_are_aware():
    assert json_datetime("2026-11-26T15:04:05.123456+00:00") == datetime.datetime(
        2026, 11, 26, 15, 4, 5, 123456, tzinfo=datetime.UTC
    )
    # SQLite writes the stored UTC text as it is.
    assert json_datetime("2026-11-26 15:04:05") == datetime.datetime(
        2026, 11, 26, 15, 4, 5, tzinfo=datetime.UTC
    )
    assert json_datetime(None) is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_on_postgresql_the_statement_is_prepared_once_per_connection_and_survives_rollbacks():
    prepaid = f.PrepaidAccountFactory()
    f.PaymentFactory(prepaid_account=prepaid, amount_cents=500)
    payments = CompiledValues(
        lambda: Payment.objects.filter(prepaid_account_id=Param("prepaid", BigIntegerField())).values(
            "amount_cents", "method"
        )
    )
    connection.close()  # a new connection: nothing prepared on it yet
    with CaptureQueriesContext(connection) as queries:
        first = payments.rows(prepaid=prepaid.pk)
        with pytest.raises(RuntimeError), transaction.atomic():
            assert payments.rows(prepaid=prepaid.pk) == first
            raise RuntimeError("rolled back")  # the prepared statement stays
        again = payments.rows(prepaid=prepaid.pk)
    statements = [q["sql"] for q in queries if "compiled_" in q["sql"]]
    assert first == again == [{"amount_cents": 500, "method": "card"}]
    assert statements[0].startswith("PREPARE ") and "EXECUTE " in statements[0]
    assert all(sql.startswith("EXECUTE ") for sql in statements[1:]) and len(statements) == 3
    connection.close()  # and a new connection prepares it again
    assert payments.rows(prepaid=prepaid.pk) == first


@pytest.mark.django_db
def test_a_compiled_query_without_params_runs_too():
    f.AccountFactory(name="Ana Diaz")
    names = CompiledValues(lambda: Account.objects.order_by("name").values("name"))
    assert names.rows() == names.rows() == list(Account.objects.order_by("name").values("name"))


@pytest.mark.django_db
def test_a_compiled_update_changes_the_rows_its_params_name_and_counts_them():
    mine, other = f.PrepaidAccountFactory(), f.PrepaidAccountFactory()
    for prepaid in (mine, mine, other):
        f.PaymentFactory(prepaid_account=prepaid, amount_cents=500, card_last4="4242")
    forget_card = CompiledWrite(
        lambda: Payment.objects.filter(prepaid_account_id=Param("prepaid", BigIntegerField())),
        lambda: {"card_last4": Param("last4", CharField())},
    )
    with CaptureQueriesContext(connection) as queries:
        assert forget_card.run(prepaid=mine.pk, last4="0000") == 2
        assert forget_card.run(prepaid=mine.pk, last4="1111") == 2
    assert sorted(Payment.objects.values_list("prepaid_account_id", "card_last4")) == sorted(
        [(mine.pk, "1111"), (mine.pk, "1111"), (other.pk, "4242")]
    )
    assert len(queries) == 2 and queries[1]["sql"].startswith("EXECUTE ")  # prepared once


@pytest.mark.django_db
def test_a_compiled_delete_reaches_through_joins_and_refuses_models_django_would_collect():
    mine, other = f.PrepaidAccountFactory(), f.PrepaidAccountFactory()
    f.PhoneNumberFactory(prepaid_account=mine)
    kept = f.PhoneNumberFactory(prepaid_account=other)
    erase = CompiledWrite(
        lambda: PhoneNumber.objects.filter(prepaid_account__account_id=Param("account", BigIntegerField()))
    )
    assert erase.run(account=mine.account_id) == 1
    assert erase.run(account=mine.account_id) == 0
    assert list(PhoneNumber.objects.all()) == [kept]
    # Deleting an account cascades to its rows, and axes listens to deleted attempts: not one statement.
    for queryset in (Account.objects.all, AccessAttempt.objects.all):
        with pytest.raises(ValueError, match="cannot be deleted in one statement"):
            CompiledWrite(queryset).run()

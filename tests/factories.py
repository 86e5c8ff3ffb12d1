"""factory-boy factories for every service's models. Money is integer cents; times default to now.

Factories that move money keep the ledger whole: PaymentFactory and a posted CallFactory write their
LedgerEntry, so `PrepaidAccount.balance_cents()` always explains itself.
"""

import datetime
import uuid

import factory
from django.utils import timezone

from accounts.models import Account, Address, RetiredEmail, User, retired_email_digest
from debit.models import DebitAccount, DebitLink, Deposit
from deletion.models import AccountDeletion, ServiceClosure
from directbill.models import Charge, ClosureRequest, DirectBillAccount, Statement
from facilities.models import Facility, IncarceratedPerson
from messaging.models import StampEntry
from prepaid.models import Call, Enrolment, LedgerEntry, Payment, PaymentMethod, PhoneNumber, PrepaidAccount
from refunds.models import Check, CheckRun, Refund, RefundEvent
from video.models import Session, Subscription, UnsubscribeAnswer, UnsubscribeReason

PASSWORD = "Test-pass-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)


class StaffUserFactory(UserFactory):
    email = factory.Sequence(lambda n: f"agent{n}@securus.test")
    is_staff = True


class AccountFactory(factory.django.DjangoModelFactory):
    """An active account with a user and a verified mailing address (address=None for none)."""

    class Meta:
        model = Account
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    name = factory.LazyAttribute(lambda o: o.user.name if o.user else "Ana Diaz")
    address = factory.RelatedFactory("tests.factories.AddressFactory", factory_related_name="account")


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    account = factory.SubFactory(AccountFactory, address=None)
    line1 = "12 OAK ST"
    line2 = ""
    city = "DALLAS"
    state = "TX"
    zip_code = "75201"
    verified_at = factory.LazyFunction(timezone.now)


class AccountDeletionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountDeletion

    account = factory.SubFactory(AccountFactory)
    channel = AccountDeletion.Channel.WEB


class ServiceClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceClosure

    deletion = factory.SubFactory(AccountDeletionFactory)
    service = ServiceClosure.Service.MESSAGING
    outcome = factory.LazyFunction(lambda: {"stamps_forfeited": 0})


class RetiredEmailFactory(factory.django.DjangoModelFactory):
    """Pass email="..." to retire that address."""

    class Meta:
        model = RetiredEmail
        exclude = ["email"]

    email = factory.Sequence(lambda n: f"retired{n}@example.com")
    digest = factory.LazyAttribute(lambda o: retired_email_digest(o.email))
    deletion = factory.SubFactory(AccountDeletionFactory)


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"County Jail {n}")
    state = "TX"


class IncarceratedPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncarceratedPerson

    name = factory.Faker("name")
    inmate_number = factory.Sequence(lambda n: f"{100000 + n}")
    facility = factory.SubFactory(FacilityFactory)


class PrepaidAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PrepaidAccount

    account = factory.SubFactory(AccountFactory)


class PhoneNumberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhoneNumber

    prepaid_account = factory.SubFactory(PrepaidAccountFactory)
    number = factory.Sequence(lambda n: f"+1214555{n % 10000:04d}")


class PaymentFactory(factory.django.DjangoModelFactory):
    """A card payment by default; its +amount LedgerEntry is created with it."""

    class Meta:
        model = Payment
        skip_postgeneration_save = True

    prepaid_account = factory.SubFactory(PrepaidAccountFactory)
    amount_cents = 2500
    method = PaymentMethod.CARD
    card_brand = factory.LazyAttribute(lambda o: "visa" if o.method in ("card", "card_phone") else "")
    card_last4 = factory.LazyAttribute(lambda o: "4242" if o.method in ("card", "card_phone") else "")
    card_fingerprint = factory.LazyAttribute(
        lambda o: f"fp_{o.card_brand}_{o.card_last4}" if o.card_last4 else ""
    )
    stripe_charge_id = factory.LazyAttribute(
        lambda o: f"ch_test_{uuid.uuid4().hex}" if o.method in ("card", "card_phone") else ""
    )

    @factory.post_generation
    def ledger(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            LedgerEntry.objects.create(
                prepaid_account=obj.prepaid_account,
                created_at=obj.created_at,
                kind=LedgerEntry.Kind.PAYMENT,
                amount_cents=obj.amount_cents,
                payment=obj,
            )


class CallFactory(factory.django.DjangoModelFactory):
    """An unposted call by default; posted=True also writes its -charge LedgerEntry."""

    class Meta:
        model = Call
        skip_postgeneration_save = True

    prepaid_account = factory.SubFactory(PrepaidAccountFactory)
    started_at = factory.LazyFunction(timezone.now)
    number = "+12145550100"
    charge_cents = 120
    posted = False
    posted_at = factory.LazyAttribute(lambda o: o.started_at if o.posted else None)

    @factory.post_generation
    def ledger(obj, create, extracted, **kwargs):
        if create and obj.posted and extracted is not False:
            LedgerEntry.objects.create(
                prepaid_account=obj.prepaid_account,
                created_at=obj.posted_at,
                kind=LedgerEntry.Kind.CALL,
                amount_cents=-obj.charge_cents,
                call=obj,
            )


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    prepaid_account = factory.SubFactory(PrepaidAccountFactory)
    kind = Enrolment.Kind.AUTOPAY


class DirectBillAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DirectBillAccount

    account = factory.SubFactory(AccountFactory)


class StatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Statement

    directbill_account = factory.SubFactory(DirectBillAccountFactory)
    statement_date = factory.LazyFunction(timezone.localdate)
    due_date = factory.LazyAttribute(lambda o: o.statement_date + datetime.timedelta(days=20))
    total_cents = 0


class ChargeFactory(factory.django.DjangoModelFactory):
    """An unbilled charge by default; pass statement=... for a billed one."""

    class Meta:
        model = Charge

    directbill_account = factory.SubFactory(DirectBillAccountFactory)
    description = "Call charge"
    amount_cents = 310


class ClosureRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClosureRequest

    directbill_account = factory.SubFactory(DirectBillAccountFactory)
    close_after = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))
    close_by = factory.LazyAttribute(lambda o: o.close_after + datetime.timedelta(days=3))


class DebitAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DebitAccount

    owner = factory.SubFactory(IncarceratedPersonFactory)


class DebitLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DebitLink

    account = factory.SubFactory(AccountFactory)
    debit_account = factory.SubFactory(DebitAccountFactory)


class DepositFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deposit

    debit_account = factory.SubFactory(DebitAccountFactory)
    depositor = factory.SubFactory(AccountFactory)
    amount_cents = 5000


class StampEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StampEntry

    account = factory.SubFactory(AccountFactory)
    kind = StampEntry.Kind.PURCHASE
    stamps = 12


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    account = factory.SubFactory(AccountFactory)
    facility = factory.SubFactory(FacilityFactory)
    price_cents = 2999
    current_period_end = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=12))
    stripe_subscription_id = factory.LazyFunction(lambda: f"sub_test_{uuid.uuid4().hex}")
    stripe_customer_id = factory.LazyFunction(lambda: f"cus_test_{uuid.uuid4().hex[:14]}")


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    account = factory.SubFactory(AccountFactory)
    facility = factory.SubFactory(FacilityFactory)
    inmate = factory.SubFactory(IncarceratedPersonFactory, facility=factory.SelfAttribute("..facility"))
    scheduled_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=2))
    price_cents = 799


class UnsubscribeReasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnsubscribeReason
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"reason-{n}")
    label = factory.LazyAttribute(lambda o: o.code.replace("-", " ").capitalize())
    position = factory.Sequence(int)


class UnsubscribeAnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnsubscribeAnswer

    subscription = factory.SubFactory(SubscriptionFactory)
    facility = factory.SelfAttribute("subscription.facility")
    reason = factory.SubFactory(UnsubscribeReasonFactory)


class RefundFactory(factory.django.DjangoModelFactory):
    """A pending check refund by default; method="card" refunds a card PaymentFactory of the same account."""

    class Meta:
        model = Refund

    account = factory.SubFactory(AccountFactory)
    amount_cents = 2380
    method = Refund.Method.CHECK
    payment = factory.Maybe(
        factory.LazyAttribute(lambda o: o.method == Refund.Method.CARD),
        yes_declaration=factory.SubFactory(
            PaymentFactory, prepaid_account__account=factory.SelfAttribute("...account")
        ),
        no_declaration=None,
    )
    card_brand = factory.LazyAttribute(lambda o: o.payment.card_brand if o.payment else "")
    card_last4 = factory.LazyAttribute(lambda o: o.payment.card_last4 if o.payment else "")
    expected_from = factory.LazyFunction(timezone.localdate)
    expected_to = factory.LazyAttribute(lambda o: o.expected_from + datetime.timedelta(days=21))
    idempotency_key = factory.LazyFunction(lambda: f"refund-test-{uuid.uuid4().hex}")


class RefundEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RefundEvent

    refund = factory.SubFactory(RefundFactory)
    status = Refund.Status.PENDING


class CheckRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckRun

    run_date = factory.LazyFunction(timezone.localdate)


class CheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Check

    refund = factory.SubFactory(RefundFactory)
    amount_cents = factory.SelfAttribute("refund.amount_cents")
    payee = factory.LazyAttribute(lambda o: o.refund.account.name)
    line1 = "12 OAK ST"
    city = "DALLAS"
    state = "TX"
    zip_code = "75201"

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account, Address, canonical_email
from care import services as care
from deletion.models import AccountDeletion
from deletion.services import DeletionError, delete_account, find_deletion_by_email


class Command(BaseCommand):
    help = "Delete an account as customer care would, closing every service by its rules."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--channel", choices=AccountDeletion.Channel.values, default=AccountDeletion.Channel.PHONE
        )
        parser.add_argument("--agent", help="Username (email) of the agent acting for the caller.")
        parser.add_argument("--call-reference", default="", help="Reference of the customer-care call.")
        parser.add_argument(
            "--verify-address",
            action="store_true",
            help="The caller confirmed the mailing address on this call (needed when a check will be mailed; "
            "needs --call-reference).",
        )

    def handle(self, email, channel, agent, call_reference, verify_address, **options):
        actor = None
        if agent:
            actor = (
                get_user_model()
                .objects.filter(email=canonical_email(agent), is_staff=True, is_active=True)
                .first()
            )
            if actor is None:
                raise CommandError(f"No active staff user {agent!r}.")
        account = Account.objects.filter(user__email=canonical_email(email)).first()
        if account is None:
            if find_deletion_by_email(email) is not None:
                self.stdout.write(f"{email} was already deleted.")
                return
            raise CommandError(f"No account with the email {email!r}.")
        if verify_address:
            # A care action like any other: through the care service, with its audit row.
            address = Address.objects.filter(account=account).first()
            try:
                care.verify_address(
                    account=account,
                    actor=actor,
                    call_reference=call_reference,
                    shown=str(address) if address else "",
                )
            except care.CareError as error:
                raise CommandError(f"--verify-address: {error.message}") from None
        try:
            deletion = delete_account(account, actor=actor, channel=channel, call_reference=call_reference)
        except DeletionError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"Deleted {email} (deletion #{deletion.pk}, channel {deletion.channel}).")

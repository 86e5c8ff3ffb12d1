"""The staff roles, as Django groups. The data migration 0003_roles creates them from this table; a test
walks the same table against the admin pages. Money rows are never editable by a role: they change only
through services (and the admin shows them read-only)."""

from django.contrib.auth.management import create_permissions

SUPPORT_AGENT = "Support agent"
OPERATIONS = "Operations"
MARKETING = "Marketing"

# group -> app_label -> permission codenames
ROLE_PERMISSIONS: dict[str, dict[str, list[str]]] = {
    SUPPORT_AGENT: {
        "accounts": ["view_account", "view_address"],
        "deletion": ["view_accountdeletion", "view_serviceclosure"],
        "prepaid": ["view_prepaidaccount", "view_phonenumber", "view_payment", "view_enrolment"],
        "directbill": ["view_directbillaccount", "view_closurerequest", "view_statement"],
        "debit": ["view_debitlink"],
        "video": ["view_subscription", "view_session"],
        "refunds": ["view_refund", "view_refundevent", "view_check"],
        "facilities": ["view_facility", "view_incarceratedperson"],
        "audit": [
            "view_auditevent",
            "delete_on_behalf",
            "edit_address_on_behalf",
            "resend_tracking_link",
            "record_inactivity_keep",
        ],
        "inactivity": ["view_inactivebalance", "view_inactivitynotice", "view_inactivityclosure"],
        "unclaimed": ["view_unclaimeditem"],
    },
    OPERATIONS: {
        "accounts": ["view_account"],
        "deletion": ["view_accountdeletion", "view_serviceclosure"],
        "refunds": ["view_refund", "view_refundevent", "view_check", "view_checkrun", "view_stripeevent"],
        "directbill": [
            "view_directbillaccount",
            "view_statement",
            "view_charge",
            "view_closurerequest",
            "change_closurerequest",
        ],
        "django_celery_beat": [
            f"{verb}_{model}"
            for model in (
                "periodictask",
                "crontabschedule",
                "intervalschedule",
                "clockedschedule",
                "solarschedule",
            )
            for verb in ("view", "add", "change", "delete")
        ],
        "audit": [
            "view_auditevent",
            "view_stuckwork",
            "manage_checks",
            "resend_tracking_link",
            "record_inactivity_keep",
            "manage_unclaimed",
        ],
        "inactivity": [
            "view_inactivebalance",
            "view_inactivitynotice",
            "view_inactivityclosure",
            "view_inactivityrule",
            "add_inactivityrule",
            "change_inactivityrule",
        ],
        "unclaimed": [
            "view_unclaimeditem",
            "view_holderreport",
            "view_dormancyrule",
            "add_dormancyrule",
            "change_dormancyrule",
        ],
    },
    MARKETING: {
        "video": ["view_unsubscribereport"],
    },
}


def sync_roles(*, Group, Permission, strict: bool = True) -> None:
    """Give each group exactly the permissions in the table (models passed in, so migrations can call it).
    `strict=False` skips permissions of models a migration's state does not hold yet (0003 on a fresh
    database may run before the deletion app's models exist; 0004 then syncs strictly)."""
    for name, by_app in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for app_label, codenames in by_app.items():
            found = list(Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
            missing = set(codenames) - {p.codename for p in found}
            if missing and strict:
                raise LookupError(f"{name}: no permission {app_label}.{sorted(missing)}")
            wanted.extend(found)
        group.permissions.set(wanted)


def create_all_permissions(apps):
    # Permissions are normally created after all migrations; create them now so the groups can get them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

from django.apps import AppConfig


class InactivityConfig(AppConfig):
    name = "inactivity"
    verbose_name = "Inactive AdvanceConnect balances"

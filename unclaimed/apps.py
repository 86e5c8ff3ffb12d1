from django.apps import AppConfig


class UnclaimedConfig(AppConfig):
    name = "unclaimed"
    verbose_name = "Unclaimed property"

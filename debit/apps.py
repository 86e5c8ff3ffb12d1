from django.apps import AppConfig


class DebitConfig(AppConfig):
    name = "debit"

from django.apps import AppConfig


class PrepaidConfig(AppConfig):
    name = "prepaid"

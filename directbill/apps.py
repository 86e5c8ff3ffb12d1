from django.apps import AppConfig


class DirectbillConfig(AppConfig):
    name = "directbill"

from django.apps import AppConfig


class RefundsConfig(AppConfig):
    name = "refunds"

    def ready(self):
        from . import tasks  # noqa: F401  registers the tasks that services enqueue by name

from django.apps import AppConfig


class DeletionConfig(AppConfig):
    name = "deletion"

    def ready(self):
        from . import closers  # noqa: F401  registers the start-up check of the closer registry

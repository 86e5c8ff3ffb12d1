from django.apps import AppConfig


class DeletionConfig(AppConfig):
    name = "deletion"

    def ready(self):
        # Registers the start-up checks of the closer registry and of the scenario sections.
        from . import closers, scenario  # noqa: F401

from django.apps import AppConfig


class VideoConfig(AppConfig):
    name = "video"

    def ready(self):
        from . import tasks  # noqa: F401  registers the task the closer enqueues by name

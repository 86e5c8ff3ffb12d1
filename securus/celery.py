import os
import sys

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "securus.settings")

app = Celery("securus")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def _refuse_development_settings(**kwargs):
    # Workers sign the tracking links they email: same rule as the web server. Celery logs and swallows
    # exceptions from signal handlers, so stop the process explicitly.
    from django.core.exceptions import ImproperlyConfigured

    from securus.startup import require_production_settings

    try:
        require_production_settings()
    except ImproperlyConfigured as error:
        sys.exit(f"securus: {error}")

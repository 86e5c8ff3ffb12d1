import os
import sys

from celery import Celery
from celery.signals import beat_init, task_postrun, task_prerun, worker_init

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


@task_prerun.connect
@task_postrun.connect
def _recycle_database_connections(sender=None, **kwargs):
    # Around each task, what Django does around each request: a connection older than CONN_MAX_AGE or
    # broken by an error is closed, and the next query checks the connection first (CONN_HEALTH_CHECKS),
    # so a restarted PostgreSQL costs no task. Tasks run eagerly (inside a caller's transaction) are left
    # alone, as Celery's own fixup leaves them.
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()

"""Unclaimed-property tasks: thin and idempotent (acks_late); items carry their own state."""

from celery import shared_task


@shared_task(acks_late=True)
def collect_items(limit: int = 1000) -> int:
    from unclaimed import services

    return services.collect_check_items(limit=limit)


@shared_task(acks_late=True)
def send_due_diligence_letters(limit: int = 5000) -> int:
    from unclaimed import services

    return len(services.send_due_diligence_letters(limit=limit))


@shared_task(acks_late=True)
def write_due_reports() -> int:
    from unclaimed import services

    return len(services.write_due_reports())

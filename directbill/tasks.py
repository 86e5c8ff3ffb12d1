"""Direct Bill tasks: thin and idempotent (acks_late)."""

from celery import shared_task


@shared_task(acks_late=True)
def close_held_accounts(limit: int = 10000) -> int:
    from directbill import services

    services.report_overdue_closures()
    closed = 0
    while batch := services.close_due_accounts(limit=limit):  # bounded batches until none is due
        closed += len(batch)
    # Then the emails, in batches over one connection each; a statement left unsent (mail server down)
    # goes out on the next run.
    while services.email_final_statements():
        pass
    return closed

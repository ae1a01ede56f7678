from __future__ import annotations

from django_tasks import task

from omniloop.messaging.delivery import deliver_due


@task(queue_name="default")
def messaging_deliver_task() -> dict[str, int]:
    """The periodic entry point: deliver what is due for up to 50 s (the job runs every
    minute; `omniloop messaging_worker` is the long-running form)."""
    return dict(deliver_due(max_seconds=50.0))

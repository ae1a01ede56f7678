"""The callback's background half. With the database backend the task row is written in the
callback's transaction (a transactional outbox, ADR 6); RQ, which enqueues at once, is handed
the task on commit, so a worker never looks for a row not yet committed."""

from __future__ import annotations

from django_tasks import task

from omniloop.core.tasks import enqueue_with_cause


@task(queue_name="default", priority=20)
def wechat_inbound_task(inbound_id: int) -> str:
    from omniloop.wechat.inbound import inbound_process

    return inbound_process(inbound_id=inbound_id)


@task(queue_name="default")
def wechat_inbound_sweep_task() -> int:
    """Periodic: process callbacks whose task never ran or failed (ADR 16)."""
    from omniloop.wechat.inbound import inbound_sweep

    return inbound_sweep()


def enqueue_inbound(inbound_id: int) -> None:
    enqueue_with_cause(wechat_inbound_task, inbound_id)

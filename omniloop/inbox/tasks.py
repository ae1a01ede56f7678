"""The inbox's background work: delivering replies, and the escalation sweep (ADR 11)."""

from __future__ import annotations

from django_tasks import task


@task(queue_name="default", priority=20)
def inbox_reply_task(message_id: int) -> str:
    from omniloop.inbox.replies import reply_deliver

    return reply_deliver(message_id=message_id)


@task(queue_name="default", priority=20)
def inbox_escalate_task() -> int:
    """Periodic, every minute: escalate tickets about to miss a target, mark breaches."""
    from omniloop.inbox.escalation import tickets_escalate

    return tickets_escalate()

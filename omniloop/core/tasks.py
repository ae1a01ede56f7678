"""Background tasks (Django's tasks API; the database backend in the embedded default, RQ on
Redis in production). Task arguments are stored by the backend, so personal data is sealed
(encrypted) before it is enqueued: no phone number or code sits in the task table in clear."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django_tasks import task

from omniloop.core import clock, crypto, idempotency, ratelimit, rows
from omniloop.core.sms import SmsKind, SmsMessage, send_sms


def _seal(message: SmsMessage) -> str:
    data = json.dumps({"to": message.to_e164, "text": message.text, "kind": message.kind})
    return base64.b64encode(crypto.encrypt(data, context=b"task.sms")).decode()


def _unseal(sealed: str) -> SmsMessage:
    data = json.loads(crypto.decrypt(base64.b64decode(sealed), context=b"task.sms"))
    return SmsMessage(to_e164=data["to"], text=data["text"], kind=SmsKind(data["kind"]))


def enqueue_with_cause(task_: Any, *args: Any) -> None:
    """Enqueue a task so that it exists if and only if its cause commits. The database backend
    writes the task row in the caller's transaction (a transactional outbox, ADR 6); RQ, which
    enqueues at once, is handed the task on commit, so a worker never looks for a row not yet
    committed; the immediate backend (tests) runs it here."""
    backend = task_.get_backend()
    module = type(backend).__module__
    if module.startswith("django_tasks_rq"):
        transaction.on_commit(lambda: task_.enqueue(*args))
    elif module.startswith("django_tasks_db"):
        _db_enqueue(backend, task_, args)
    else:
        task_.enqueue(*args)


_validated: set[Any] = set()


def _db_enqueue(backend: Any, task_: Any, args: tuple[Any, ...]) -> None:
    """What `DatabaseBackend.enqueue` does, with the row written by one fixed INSERT
    (`core.rows.insert`, ADR 12) instead of `objects.create` (every till sale enqueues its order
    events: the ORM's save took a tenth of the sale's CPU). Same row: the backend's id function,
    the model's defaults, `run_after` unset stored as the backend's far date (its pre_save
    signal's job), the task validated as the backend would (once per task: tasks are frozen
    module-level values), and `task_enqueued` sent as after `enqueue`."""
    from django_tasks.signals import task_enqueued
    from django_tasks.utils import normalize_json
    from django_tasks_db.models import DBTaskResult, get_date_max

    if task_ not in _validated:
        backend.validate_task(task_)
        _validated.add(task_)
    row: DBTaskResult[Any, Any] = DBTaskResult(
        id=backend._get_id(),
        args_kwargs=normalize_json({"args": args, "kwargs": {}}),
        priority=task_.priority,
        task_path=task_.module_path,
        queue_name=task_.queue_name,
        run_after=task_.run_after if task_.run_after is not None else get_date_max(),
        backend_name=backend.alias,
    )
    rows.insert(row)
    task_enqueued.send(type(backend), task_result=row.task_result)


@task(queue_name="default", priority=10)
def send_sms_task(sealed: str) -> str:
    return send_sms(_unseal(sealed))


def enqueue_sms(message: SmsMessage) -> None:
    """Queue an SMS. With the database backend the task row is written in the caller's
    transaction, so it is a transactional outbox: a rolled-back cause sends nothing."""
    send_sms_task.enqueue(_seal(message))


@task(queue_name="default")
def housekeeping() -> dict[str, int]:
    return {"idempotency_keys": idempotency.prune(), "rate_limit_windows": ratelimit.prune()}


# Tasks safe to run again when the worker that claimed them died mid-run (SIGKILL, OOM, a lost
# machine): idempotent and short. The database backend leaves such a row RUNNING for ever;
# `tasks_requeue_stale` puts it back once it has run longer than its app says a run can take.
_requeue_safe: dict[str, timedelta] = {}


def register_requeue_safe(task_: Any, *, after: timedelta) -> None:
    _requeue_safe[task_.module_path] = after


def tasks_requeue_stale(*, at: datetime | None = None) -> int:
    """Periodic (every minute): RUNNING rows of requeue-safe tasks older than their limit go
    back to READY. A no-op with other backends (RQ has its own failed-job registry)."""
    backend = type(housekeeping.get_backend()).__module__
    if not backend.startswith("django_tasks_db"):
        return 0
    from django_tasks_db.models import DBTaskResult

    at = at or clock.now()
    requeued = 0
    for path, after in _requeue_safe.items():
        requeued += DBTaskResult.objects.filter(
            status="RUNNING", task_path=path, started_at__lt=at - after
        ).update(status="READY", started_at=None)
    return requeued


@task(queue_name="default")
def tasks_requeue_stale_task() -> int:
    return tasks_requeue_stale()

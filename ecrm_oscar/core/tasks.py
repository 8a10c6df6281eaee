"""How django-ecrm declares and enqueues Celery tasks.

The plugin never creates a Celery app (the project owns ``celery.py``); it declares shared
tasks named ``ecrm.<app>.<verb>`` that take ids only, are idempotent and retry with
backoff, and enqueues them after the surrounding transaction commits, so a worker never
sees a row that was rolled back and a broker outage never fails the request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.db import transaction

from ecrm_oscar import conf

logger = logging.getLogger("ecrm.tasks")


def ecrm_task(name: str, **options: Any) -> Callable[[Callable[..., Any]], Any]:
    """Declare a plugin task: ``@ecrm_task("ecrm.loyalty.award")``.

    Retries on any exception with exponential backoff (``ECRM_TASK_MAX_RETRIES``,
    ``ECRM_TASK_RETRY_BACKOFF_MAX``); pass ``autoretry_for=()`` to opt out.
    """
    if not name.startswith("ecrm."):
        raise ValueError(f"django-ecrm task names start with 'ecrm.': {name!r}")
    options.setdefault("autoretry_for", (Exception,))
    options.setdefault("retry_backoff", True)
    options.setdefault("retry_backoff_max", conf.get("ECRM_TASK_RETRY_BACKOFF_MAX"))
    options.setdefault("max_retries", conf.get("ECRM_TASK_MAX_RETRIES"))
    options.setdefault("retry_jitter", True)
    return shared_task(name=name, **options)


def enqueue(task: Any, *args: Any, **kwargs: Any) -> bool:
    """Send ``task`` now; log and return False if the broker is unreachable."""
    options: dict[str, Any] = {}
    queue = conf.get("ECRM_CELERY_QUEUE")
    if queue:
        options["queue"] = queue
    try:
        task.apply_async(args=args, kwargs=kwargs, **options)
    except Exception:
        logger.exception("Could not enqueue %s; the work is skipped, not the request", task.name)
        return False
    return True


def enqueue_on_commit(task: Any, *args: Any, using: str | None = None, **kwargs: Any) -> None:
    """Send ``task`` once the current transaction commits (at once outside one).

    Arguments must be ids and plain values: the worker reloads what it needs.
    """
    transaction.on_commit(lambda: enqueue(task, *args, **kwargs), using=using)

"""Tasks enqueued after commit really travel through the broker to a real worker.

The worker (tests/integration/conftest.py) runs ``-P solo`` on a queue of this run's own,
so messages are handled one at a time in the order they were sent: a "sentinel" task sent
last shows that everything sent before it has been handled.
"""

from __future__ import annotations

import os
import time
import uuid

import pytest
from django.db import transaction

from ecrm_oscar.core.tasks import enqueue_on_commit
from tests.integration_app.models import TaskEffect
from tests.integration_app.tasks import record_effect

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TASK = "ecrm.tests.record_effect"
TIMEOUT = 20.0


def unique_label(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:12]}"


def wait_for_effect(label: str, worker, timeout: float = TIMEOUT) -> TaskEffect:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        effect = TaskEffect.objects.filter(label=label).first()
        if effect is not None:
            return effect
        if worker.process.poll() is not None:
            break
        time.sleep(0.1)
    pytest.fail(
        f"No TaskEffect {label!r} after {timeout:.0f} s: the worker did not run the task. "
        f"Worker output:\n{worker.output()}",
        pytrace=False,
    )


def send_sentinel(worker) -> None:
    """Send one more task and wait for it: the worker has handled all sent before it."""
    label = unique_label("sentinel")
    enqueue_on_commit(record_effect, label)  # no transaction open: sent at once
    wait_for_effect(label, worker)


def test_task_is_sent_after_commit_and_run_by_the_worker(celery_worker, published):
    label = unique_label("commit")

    with transaction.atomic():
        enqueue_on_commit(record_effect, label)
        time.sleep(0.5)  # a worker that had the task would have written its row by now
        assert published.names == [], "the task was sent before the transaction committed"
        assert not TaskEffect.objects.filter(label=label).exists()

    assert published.messages == [(TASK, celery_worker.queue)]
    effect = wait_for_effect(label, celery_worker)
    assert effect.worker_pid != os.getpid()
    assert effect.worker_pid == celery_worker.pid  # solo pool: tasks run in the worker itself


def test_rolled_back_transaction_enqueues_nothing(celery_worker, published):
    label = unique_label("rollback")

    with pytest.raises(RuntimeError, match="roll back"), transaction.atomic():
        enqueue_on_commit(record_effect, label)
        raise RuntimeError("roll back")

    assert published.names == []
    send_sentinel(celery_worker)
    assert not TaskEffect.objects.filter(label=label).exists()


def test_duplicate_delivery_writes_one_row(celery_worker, published):
    label = unique_label("duplicate")

    with transaction.atomic():
        enqueue_on_commit(record_effect, label)
        enqueue_on_commit(record_effect, label)

    assert published.names == [TASK, TASK]
    wait_for_effect(label, celery_worker)
    send_sentinel(celery_worker)
    assert TaskEffect.objects.filter(label=label).count() == 1
    assert TaskEffect.objects.get(label=label).worker_pid == celery_worker.pid

"""The retention task travels through the real broker to the real worker (pass 2)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from ecrm_oscar.core.tasks import enqueue
from ecrm_oscar.testing.factories import create_customer
from ecrm_oscar.tracking import capture
from ecrm_oscar.tracking import event_types as T
from ecrm_oscar.tracking.models import Event
from ecrm_oscar.tracking.tasks import purge

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TIMEOUT = 20.0


def test_the_worker_applies_the_retention_policy(celery_worker, published):
    customer = create_customer()
    long_ago = timezone.now() - timedelta(days=400)
    old = [
        capture.record(T.PAGE_VIEWED, user=customer, visitor_id="a" * 32, created_at=long_ago)
        for _ in range(3)
    ]
    recent = capture.record(T.PAGE_VIEWED, user=customer, visitor_id="a" * 32)

    assert enqueue(purge) is True
    assert published.messages == [("ecrm.tracking.purge", celery_worker.queue)]
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if not Event.objects.filter(pk__in=[e.pk for e in old], user__isnull=False).exists():
            break
        assert celery_worker.process.poll() is None, celery_worker.output()
        time.sleep(0.1)
    else:
        pytest.fail(f"The worker did not anonymise old events:\n{celery_worker.output()}")
    anonymised = Event.objects.filter(pk__in=[e.pk for e in old])
    assert set(anonymised.values_list("user", "visitor_id")) == {(None, "")}
    assert Event.objects.get(pk=recent.pk).user == customer

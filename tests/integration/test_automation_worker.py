"""Abandoned-basket automation through the real broker and worker (pass 2).

The scan, the send and the order's attribution all run in the worker; the test process
only enqueues and reads the shared test database; the message log (sent_at, status) is
what is checked here (test_automation_flows_worker.py reads the emails the worker wrote). Tasks
are processed in order by the one solo worker: a marker task enqueued last tells when
everything before it has run.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from oscar.core.loading import get_class, get_model

from ecrm_oscar.automation import tasks
from ecrm_oscar.automation.abstract_models import FlowKind, MessageStatus
from ecrm_oscar.automation.defaults import ensure_defaults
from ecrm_oscar.automation.models import Flow, Message
from ecrm_oscar.core.tasks import enqueue
from ecrm_oscar.privacy.services import record_consent
from ecrm_oscar.testing.factories import create_customer, create_product, create_purchase
from tests.integration.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def drain(worker, label: str) -> None:
    """Wait until the worker has run every task enqueued before this marker."""
    from tests.integration_app.models import TaskEffect
    from tests.integration_app.tasks import record_effect

    enqueue(record_effect, label)
    wait_until(lambda: TaskEffect.objects.filter(label=label).exists(), worker, f"No {label}")


def test_abandoned_basket_email_sent_once_then_none_after_the_order(celery_worker, published):
    ensure_defaults()
    Flow.objects.filter(kind=FlowKind.ABANDONED_BASKET).update(enabled=True)
    ann = create_customer()
    record_consent("marketing_email", True, source="registration", user=ann)
    Basket = get_model("basket", "Basket")
    Line = get_model("basket", "Line")
    basket = Basket.objects.create(owner=ann)
    basket.strategy = get_class("partner.strategy", "Default")()
    product = create_product(title="Worker teapot")
    basket.add_product(product, 1)
    Line.objects.filter(basket=basket).update(date_updated=timezone.now() - timedelta(hours=5))

    enqueue(tasks.scan_abandoned_baskets)
    enqueue(tasks.scan_abandoned_baskets)  # a second scan (beat overlap) changes nothing
    message = wait_until(
        lambda: Message.objects.filter(status=MessageStatus.SENT).first(),
        celery_worker,
        "No reminder sent",
    )
    assert message.user_id == ann.pk and message.step.position == 1
    assert message.sent_at is not None and message.subject
    drain(celery_worker, "after-first-send")
    assert Message.objects.filter(sent_at__isnull=False).count() == 1

    # The second reminder would be due now, but the shopper orders first.
    Line.objects.filter(basket=basket).update(date_updated=timezone.now() - timedelta(hours=30))
    basket.submit()
    create_purchase(ann, [(product, 1)])
    assert "ecrm.automation.record_order" in published.names
    enqueue(tasks.scan_abandoned_baskets)
    enqueue(tasks.send_due)
    drain(celery_worker, "after-order")
    assert Message.objects.count() == 1
    assert Message.objects.filter(sent_at__isnull=False).count() == 1

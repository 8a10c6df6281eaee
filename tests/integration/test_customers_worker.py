"""Customer profiles and segment memberships computed by a real worker (pass 2).

An order placed through Oscar and an event recorded in this process reach the worker
through the broker; the test waits for their effect in the shared test database.
"""

from __future__ import annotations

import pytest

from ecrm_oscar.customers.models import CustomerProfile, Segment, SegmentMembership
from ecrm_oscar.testing.factories import create_customer, create_product, create_purchase
from ecrm_oscar.tracking import capture
from tests.integration.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_order_and_event_reach_profiles_and_segments_through_the_worker(
    celery_worker, published, settings
):
    from oscar.apps.catalogue.categories import create_from_breadcrumbs

    settings.ECRM_SEGMENTS_REFRESH_DELAY = 1  # countdown of event-triggered refreshes
    kitchen = create_from_breadcrumbs("Segment kitchen")
    big = Segment.objects.create(name="Big", slug="big")
    big.rules.create(kind="spent_more_than", params={"amount": "100.00"})
    fans = Segment.objects.create(name="Fans", slug="fans")
    fans.rules.create(kind="viewed_category", params={"category": kitchen.pk})

    ann = create_customer()
    create_purchase(ann, [(create_product(price="150.00"), 1)])
    assert "ecrm.customers.update_profile" in published.names
    profile = wait_until(
        lambda: CustomerProfile.objects.filter(user=ann).first(), celery_worker, "No profile"
    )
    assert profile.orders_count == 1
    wait_until(
        lambda: SegmentMembership.objects.filter(segment=big, user=ann).exists(),
        celery_worker,
        "Not in the 'big' segment",
    )

    capture.record("category_viewed", user=ann, category=kitchen)
    capture.record("category_viewed", user=ann, category=kitchen)  # coalesced
    assert published.names.count("ecrm.customers.refresh_segments") == 1
    wait_until(
        lambda: SegmentMembership.objects.filter(segment=fans, user=ann).exists(),
        celery_worker,
        "Not in the 'fans' segment",
    )

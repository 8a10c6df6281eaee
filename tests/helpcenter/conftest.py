"""A small help center under the default Site's root: /help/, two topics, four articles."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from ecrm_wagtail.helpcenter import content as c


@dataclass
class HelpTree:
    root: object
    delivery: object
    returns: object
    tracking: object
    international: object
    refunds: object
    members: object


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached statistics must not leak from one test to the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def help_tree(db, django_capture_on_commit_callbacks) -> HelpTree:
    # publishing enqueues the passage indexing after commit: run it
    with django_capture_on_commit_callbacks(execute=True):
        return _build()


def _build() -> HelpTree:
    from wagtail.models import Site

    site_root = Site.objects.get(is_default_site=True).root_page
    root = c.ensure_help_center(site_root, intro="<p>How can we help?</p>")
    delivery = c.ensure_category(
        root, "Delivery", icon="truck", description="Shipping times and tracking."
    )
    returns = c.ensure_category(root, "Returns", icon="undo", description="Send it back.")
    tracking = c.ensure_article(
        delivery,
        "How do I track my parcel?",
        [
            c.text("<p>Every dispatched order gets a tracking number by email.</p>"),
            c.steps("Track it", ["Open the dispatch email", ("Click the link", "It opens.")]),
            c.callout("<p>Tracking can take 24 hours to update.</p>", kind="tip"),
            c.faq(
                [
                    ("Where is my tracking number?", "In the dispatch email."),
                    ("Why </script> no updates?", "Couriers scan <b>late</b> & often."),
                ]
            ),
        ],
        summary="Find your parcel with the courier's tracking number.",
        tags=["tracking", "courier"],
        last_reviewed=datetime.date(2026, 10, 1),
    )
    international = c.ensure_article(
        delivery,
        "Do you deliver abroad?",
        [c.text("<p>We ship to most European countries within 5 working days.</p>")],
        tags=["international", "courier"],
    )
    refunds = c.ensure_article(
        returns,
        "When will I get my refund?",
        [c.text("<p>Refunds reach your card within 5 to 10 working days.</p>")],
        tags=["refund"],
        related=[tracking],
    )
    members = c.ensure_article(
        returns,
        "Returning a member-only gift",
        [c.text("<p>Member gifts are returned from your account page.</p>")],
        visibility="logged_in",
        tags=["courier"],
    )
    return HelpTree(root, delivery, returns, tracking, international, refunds, members)

"""Read side of customers: what recommendations, automation, blocks and the dashboard call.

Everything here is cheap: one or two queries, or a cache hit.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache

from ecrm_oscar import conf
from ecrm_oscar.customers import segments as _segments
from ecrm_oscar.customers.models import CustomerProfile, SegmentMembership

logger = logging.getLogger("ecrm.customers")


def segments_for(user: Any = None, visitor_id: str = "") -> frozenset[str]:
    """Slugs of the active segments a customer and/or an anonymous visitor belong to.

    Pass the user (or None / AnonymousUser) and the visitor cookie's id
    (``request.ecrm_visitor_id``); the result is the union of both. Cached for
    ``ECRM_SEGMENTS_CACHE_SECONDS``, invalidated whenever the membership changes: usually
    a cache hit, at most one query per subject otherwise.
    """
    user_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    if user is not None and isinstance(user, int):
        user_id = user
    visitor_id = (visitor_id or "")[:36]
    if not user_id and not visitor_id:
        return frozenset()
    try:
        gen = _segments.generation()
    except Exception:  # the cache is down: answer from the database
        logger.warning("django-ecrm: cache unavailable, segments read from the database")
        gen = None
    wanted = {}
    if user_id:
        wanted[_segments.cache_key("u", user_id, gen or 0)] = ("user_id", user_id)
    if visitor_id:
        wanted[_segments.cache_key("v", visitor_id, gen or 0)] = ("visitor_id", visitor_id)
    found = {}
    if gen is not None:
        try:
            found = cache.get_many(list(wanted))
        except Exception:
            gen = None
    result: set[str] = set()
    timeout = conf.get("ECRM_SEGMENTS_CACHE_SECONDS")
    for key, (field, value) in wanted.items():
        slugs = found.get(key)
        if slugs is None:
            memberships = SegmentMembership.objects.filter(segment__active=True, **{field: value})
            if field == "visitor_id":
                memberships = memberships.filter(user__isnull=True)
            slugs = frozenset(memberships.values_list("segment__slug", flat=True))
            if gen is not None:
                try:
                    cache.set(key, slugs, timeout)
                except Exception:
                    gen = None
        result |= slugs
    return frozenset(result)


def in_segment(slug: str, user: Any = None, visitor_id: str = "") -> bool:
    return slug in segments_for(user, visitor_id)


def profile_for(user: Any) -> CustomerProfile | None:
    """The customer's profile, or None before their first counted order."""
    if user is None or not getattr(user, "pk", None):
        return None
    return CustomerProfile.objects.filter(user_id=user.pk).first()


def refresh_segments(user_id: int | None = None, visitor_id: str = "") -> None:
    """Ask for a membership update of one customer/visitor after the commit.

    For other apps whose rule types read their own data (e.g. loyalty tiers).
    """
    from ecrm_oscar.core.tasks import enqueue_on_commit
    from ecrm_oscar.customers import tasks

    enqueue_on_commit(tasks.refresh_segments, user_id=user_id, visitor_id=visitor_id)


def timeline(user: Any, *, types: list[str] | None = None, channels: list[str] | None = None):
    """The customer's events across channels, newest first (a lazy queryset)."""
    from ecrm_oscar.tracking.models import Event

    events = Event.objects.filter(user_id=user.pk).select_related("product", "category", "order")
    if types:
        events = events.filter(type__in=types)
    if channels:
        events = events.filter(channel__in=channels)
    return events.order_by("-created_at", "-id")

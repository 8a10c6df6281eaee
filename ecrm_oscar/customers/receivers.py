"""Receivers of customers: they only enqueue work after the commit, never compute.

- Oscar's ``order_placed`` and ``order_status_changed`` → ``update_profile(user_id)``.
- tracking's ``events_recorded`` signal → ``refresh_segments`` for that customer or
  visitor, only when the event's type can change an active segment (decided from a
  cached set, so ordinary page views cost nothing: no query, no savepoint). A login or
  registration that joined a visitor's anonymous events to the account refreshes both
  the account and the visitor.
- ``post_save``/``post_delete`` of ``Segment`` and ``SegmentRule`` → the cached
  memberships and event types are retired (however the segment was edited).
"""

from __future__ import annotations

import logging

from oscar.apps.order.signals import order_placed, order_status_changed

from ecrm_oscar.core.receivers import safe_receiver
from ecrm_oscar.core.tasks import enqueue_on_commit
from ecrm_oscar.dashboard.switches import capability_on
from ecrm_oscar.tracking import event_types

#: Events after which tracking has joined a visitor's anonymous history to an account.
JOINED = frozenset({event_types.LOGGED_IN, event_types.REGISTERED})

logger = logging.getLogger("ecrm.receivers")


@safe_receiver
def on_order_placed(sender, order=None, user=None, **kwargs) -> None:
    from ecrm_oscar.customers import tasks

    user_id = getattr(order, "user_id", None)
    if user_id and capability_on("customers"):
        enqueue_on_commit(tasks.update_profile, user_id)


@safe_receiver
def on_order_status_changed(sender, order=None, **kwargs) -> None:
    from ecrm_oscar.customers import tasks

    user_id = getattr(order, "user_id", None)
    if user_id and capability_on("customers"):
        enqueue_on_commit(tasks.update_profile, user_id)


@safe_receiver
def _schedule_segment_refresh(sender, subjects=None, **kwargs) -> None:
    from ecrm_oscar.customers import tasks

    for (user_id, visitor_id), event_type in subjects.items():
        tasks.schedule_refresh(user_id, visitor_id, event_type)


def _relevant_subjects(events) -> dict[tuple[int | None, str], str]:
    """(user id, visitor id) → the event type to refresh for, for relevant events only.

    A customer's events refresh the customer; an anonymous visitor's the visitor. When one
    subject has several relevant types, the refresh looks at every segment ("").
    """
    from ecrm_oscar.customers.segments import relevant_event_types

    relevant = relevant_event_types()
    subjects: dict[tuple[int | None, str], str] = {}
    if not relevant:
        return subjects
    for event in events:
        if event.type in JOINED and event.user_id and event.visitor_id:
            # tracking merged the visitor's anonymous events into the account: the
            # account may now match behaviour segments, the anonymous visitor no longer.
            if (event.payload or {}).get("merged"):
                subjects[(event.user_id, "")] = ""
                subjects[(None, event.visitor_id)] = ""
            continue
        if event.type not in relevant or not (event.user_id or event.visitor_id):
            continue
        key = (event.user_id, "" if event.user_id else event.visitor_id)
        subjects[key] = event.type if subjects.get(key, event.type) == event.type else ""
    return subjects


def on_events_recorded(sender, events=(), **kwargs) -> None:
    """tracking's ``events_recorded``: a cheap filter (a cache read) first, then the
    safe part only for events an active segment condition reads."""
    try:
        if not capability_on("customers"):
            return
        subjects = _relevant_subjects(events)
    except Exception:
        logger.exception("django-ecrm: could not check events for segment refresh")
        return
    if subjects:
        _schedule_segment_refresh(sender, subjects=subjects)


def on_segment_changed(sender, raw=False, **kwargs) -> None:
    """A segment or condition was saved or deleted (editor, admin, shell alike): retire
    every cached membership and the cached set of event types conditions read."""
    if raw:
        return
    try:
        from ecrm_oscar.customers.segments import bump_generation

        bump_generation()
    except Exception:  # the cache is down: entries expire on their own
        logger.exception("django-ecrm: could not invalidate cached segments")


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from ecrm_oscar.customers.models import Segment, SegmentRule
    from ecrm_oscar.tracking.signals import events_recorded

    for model in (Segment, SegmentRule):
        for signal in (post_save, post_delete):
            signal.connect(
                on_segment_changed,
                sender=model,
                dispatch_uid=f"ecrm_customers.{model.__name__}.{signal is post_save}",
            )

    order_placed.connect(on_order_placed, dispatch_uid="ecrm_customers.order_placed")
    order_status_changed.connect(
        on_order_status_changed, dispatch_uid="ecrm_customers.order_status_changed"
    )
    events_recorded.connect(on_events_recorded, dispatch_uid="ecrm_customers.events_recorded")

"""Celery tasks of customers (ids only, idempotent, retried with backoff).

- ``ecrm.customers.update_profile``: after ``order_placed`` / an order status change:
  recompute one profile, then that customer's order-based segment memberships.
- ``ecrm.customers.refresh_segments``: after a relevant event (or another app's change):
  one customer's or visitor's memberships.
- ``ecrm.customers.rebuild_segments``: after a segment is saved in the editor: its
  members (or every segment's).
- ``ecrm.customers.rebuild_profiles``: the nightly full rebuild (beat): every profile
  (recency moves every day without any event), the basis, every segment.
"""

from __future__ import annotations

import logging

from celery import current_app
from django.core.cache import cache
from django.db import transaction

from ecrm_oscar import conf
from ecrm_oscar.core.tasks import ecrm_task, enqueue_on_commit
from ecrm_oscar.dashboard.switches import capability_on

logger = logging.getLogger("ecrm.tasks")


@ecrm_task("ecrm.customers.update_profile")
def update_profile(user_id: int) -> None:
    from ecrm_oscar.customers import profiles, segments

    if not capability_on("customers"):
        return  # the owner switched customer profiles off: nothing is recorded

    rebuilt = profiles.update_profiles([user_id])
    if rebuilt:
        segments.ensure_rfm_segments()
        segments.rebuild_segments()
    else:
        segments.refresh_subject(user_id=user_id, trigger="order")


@ecrm_task("ecrm.customers.refresh_segments")
def refresh_segments(
    user_id: int | None = None, visitor_id: str = "", event_type: str = ""
) -> None:
    from ecrm_oscar.customers import segments

    if not capability_on("customers"):
        return
    if user_id or visitor_id:
        cache.delete(_pending_key(user_id, visitor_id))
    trigger = "event" if event_type else "all"
    segments.refresh_subject(
        user_id=user_id, visitor_id=visitor_id, trigger=trigger, event_type=event_type
    )


@ecrm_task("ecrm.customers.rebuild_segments")
def rebuild_segments(segment_id: int | None = None) -> None:
    from ecrm_oscar.customers import segments
    from ecrm_oscar.customers.models import Segment

    chosen = Segment.objects.prefetch_related("rules")
    if segment_id is not None:
        chosen = chosen.filter(pk=segment_id)
    segments.rebuild_segments(list(chosen))


@ecrm_task("ecrm.customers.rebuild_profiles")
def rebuild_profiles() -> dict:
    from ecrm_oscar.customers import profiles, segments

    if not capability_on("customers"):
        return {"customers": 0, "segments": 0, "skipped": "switched off"}
    report = profiles.rebuild_profiles()
    segments.ensure_rfm_segments()
    counts = segments.rebuild_segments()
    logger.info(
        "Rebuilt %s customer profiles in %.1f s; %s segments",
        report.customers,
        report.seconds,
        len(counts),
    )
    return {"customers": report.customers, "segments": len(counts)}


def runs_inline() -> bool:
    """True when Celery runs tasks in the caller (no broker): nothing to delay then."""
    return bool(current_app.conf.task_always_eager)


def _pending_key(user_id: int | None, visitor_id: str) -> str:
    return f"ecrm:segments:pending:{user_id or ''}:{visitor_id or ''}"


def schedule_refresh(user_id: int | None, visitor_id: str, event_type: str) -> None:
    """Enqueue a membership refresh after commit, at most one per subject per delay.

    With a broker, the task runs ``ECRM_SEGMENTS_REFRESH_DELAY`` seconds later and sees
    every event of that window; tasks that run inline (no broker) run at once.
    """
    delay = int(conf.get("ECRM_SEGMENTS_REFRESH_DELAY") or 0)
    if delay <= 0 or runs_inline():
        enqueue_on_commit(
            refresh_segments, user_id=user_id, visitor_id=visitor_id, event_type=event_type
        )
        return
    if not cache.add(_pending_key(user_id, visitor_id), 1, delay * 2):
        return  # one is already scheduled and will see this event

    def send() -> None:
        options = {"countdown": delay}
        queue = conf.get("ECRM_CELERY_QUEUE")
        if queue:
            options["queue"] = queue
        try:
            refresh_segments.apply_async(
                kwargs={"user_id": user_id, "visitor_id": visitor_id, "event_type": event_type},
                **options,
            )
        except Exception:
            cache.delete(_pending_key(user_id, visitor_id))
            logger.exception("Could not enqueue %s; the work is skipped", refresh_segments.name)

    transaction.on_commit(send)

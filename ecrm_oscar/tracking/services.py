"""Operations on the event stream as a whole: joining, retention, erasure.

Events are append-only one by one (``Event.save``/``delete`` refuse edits); these
functions are the only places rows change, always in bulk and in batches of
``ECRM_TRACKING_BATCH_SIZE``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from ecrm_oscar import conf
from ecrm_oscar.tracking.models import Event

logger = logging.getLogger("ecrm.tracking")

RETENTION_MODES = ("anonymise", "purge")


def merge_visitor(visitor_id: str, user: Any) -> int:
    """Give ``user`` the anonymous events of ``visitor_id``; returns how many.

    Called when a visitor logs in or registers. Rows are updated in place (one
    ``UPDATE``), so nothing is copied (no duplicates) and nothing is deleted (no loss);
    events that already belong to an account are left alone, and running it again
    changes nothing.
    """
    user_id = getattr(user, "pk", user)
    if not visitor_id or not user_id:
        return 0
    return Event.objects.filter(visitor_id=visitor_id, user__isnull=True).update(user_id=user_id)


def _in_batches(queryset: QuerySet, apply, batch_size: int) -> int:
    """Run ``apply(Event.objects.filter(pk__in=ids))`` on ``queryset``'s rows, in batches.

    Keyset pagination in primary-key order (each batch starts after the last id of the
    previous one, so rows left in place, e.g. anonymised, are not scanned again); each
    batch is one transaction; the ids are read first, so it works on every database
    (MySQL cannot ``LIMIT`` inside ``IN``). Returns the number of rows handled.
    """
    done, last = 0, None
    while True:
        page = queryset if last is None else queryset.filter(pk__gt=last)
        ids = list(page.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return done
        with transaction.atomic():
            apply(Event.objects.filter(pk__in=ids))
        done += len(ids)
        last = ids[-1]
        if len(ids) < batch_size:
            return done


def _delete(queryset: QuerySet) -> None:
    # One DELETE of the batch. QuerySet.delete() would first load every row (payload
    # included) because some app listens to post_delete for all models (Wagtail's
    # reference index does); events have no delete signals and nothing cascades to them.
    raw_delete = getattr(queryset, "_raw_delete", None)
    if raw_delete is None:  # pragma: no cover - a Django without the private helper
        queryset.delete()
    else:
        raw_delete(queryset.db)


def _anonymise(queryset: QuerySet) -> None:
    queryset.update(user=None, visitor_id="", session_key="", order=None)


@dataclass(frozen=True)
class RetentionResult:
    mode: str
    days: int | None
    cutoff: datetime | None
    events: int

    def __str__(self) -> str:
        if self.cutoff is None:
            return "Retention is off (ECRM_TRACKING_RETENTION_DAYS = None): nothing to do."
        verb = "Purged" if self.mode == "purge" else "Anonymised"
        return (
            f"{verb} {self.events:,} events older than {self.days} days "
            f"(before {self.cutoff:%Y-%m-%d %H:%M %Z})."
        )


def expired_events(days: int, mode: str, now: datetime | None = None) -> QuerySet:
    """The events ``purge_expired_events`` would change."""
    cutoff = (now or timezone.now()) - timedelta(days=days)
    queryset = Event.objects.filter(created_at__lt=cutoff)
    if mode == "anonymise":  # rows anonymised before are not touched again
        queryset = queryset.filter(
            Q(user__isnull=False) | ~Q(visitor_id="") | ~Q(session_key="") | Q(order__isnull=False)
        )
    return queryset


def purge_expired_events(
    days: int | None = None,
    mode: str | None = None,
    batch_size: int | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
) -> RetentionResult:
    """Apply the retention policy: purge or anonymise events older than ``days``.

    Defaults come from the owner's retention days (console settings page), else
    ``ECRM_TRACKING_RETENTION_DAYS``, and ``ECRM_TRACKING_RETENTION_MODE``. Anonymising keeps
    type, time, channel, product, category, query, value and payload (aggregate
    statistics, recommendations) and clears user, visitor, session and order, the links
    to a person. Idempotent; run nightly by the ``ecrm.tracking.purge`` task.
    """
    if days is None:
        from ecrm_oscar.dashboard.switches import owner_value

        days = owner_value("tracking_retention_days", "ECRM_TRACKING_RETENTION_DAYS")
    mode = mode or conf.get("ECRM_TRACKING_RETENTION_MODE")
    if mode not in RETENTION_MODES:
        raise ValueError(f"retention mode must be one of {RETENTION_MODES}, not {mode!r}")
    if days is None:
        return RetentionResult(mode, None, None, 0)
    if int(days) < 1:
        raise ValueError(f"retention days must be at least 1, not {days!r}")
    now = now or timezone.now()
    queryset = expired_events(int(days), mode, now)
    cutoff = now - timedelta(days=int(days))
    if dry_run:
        return RetentionResult(mode, int(days), cutoff, queryset.count())
    batch_size = batch_size or conf.get("ECRM_TRACKING_BATCH_SIZE")
    done = _in_batches(queryset, _delete if mode == "purge" else _anonymise, batch_size)
    if done:
        logger.info("tracking retention: %s %d events before %s", mode, done, cutoff)
    return RetentionResult(mode, int(days), cutoff, done)


def erase_user_events(user: Any, batch_size: int | None = None) -> int:
    """Delete every event of ``user``, and the anonymous ones of their visitor ids.

    For the right to erasure: the events recorded as the account, plus those their
    browsers (visitor ids seen on the account's events) recorded while logged out.
    Returns the number of events deleted.
    """
    user_id = getattr(user, "pk", user)
    if not user_id:
        return 0
    batch_size = batch_size or conf.get("ECRM_TRACKING_BATCH_SIZE")
    visitor_ids = list(
        Event.objects.filter(user_id=user_id)
        .exclude(visitor_id="")
        .order_by()
        .values_list("visitor_id", flat=True)
        .distinct()
    )
    deleted = _in_batches(Event.objects.filter(user_id=user_id), _delete, batch_size)
    for start in range(0, len(visitor_ids), 500):
        anonymous = Event.objects.filter(
            user__isnull=True, visitor_id__in=visitor_ids[start : start + 500]
        )
        deleted += _in_batches(anonymous, _delete, batch_size)
    return deleted

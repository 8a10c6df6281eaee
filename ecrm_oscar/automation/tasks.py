"""Background work of marketing automation. Tasks take ids, reload what they need and are
idempotent: messages are unique per (step, shopper, trigger) and the send task claims a
message before sending, so retries and duplicate deliveries send nothing twice. Periodic
ones are listed in ``schedule.BEAT_SCHEDULE``."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from ecrm_oscar import conf
from ecrm_oscar.automation import services
from ecrm_oscar.core.tasks import ecrm_task, enqueue


@ecrm_task("ecrm.automation.send")
def send(message_id: int) -> str:
    """Send one message (at most once; see services.send_batch)."""
    return services.send_message(message_id)


def _clock(now: str | None) -> datetime:
    """The time a task acts at: now, or the ISO 8601 time it was given (tasks take plain
    values; ``ecrm_automation_run --advance`` passes a later time so a demo need not wait)."""
    if not now:
        return timezone.now()
    moment = datetime.fromisoformat(now)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


@ecrm_task("ecrm.automation.send_batch")
def send_batch(message_ids: list[int], now: str | None = None) -> dict[str, int]:
    """Send a batch of messages (at most once each; see services.send_batch); returns
    how many ended how."""
    counts: dict[str, int] = {}
    for outcome in services.send_batch(message_ids, _clock(now)).values():
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


@ecrm_task("ecrm.automation.send_due")
def send_due(now: str | None = None, kinds: list[str] | None = None) -> int:
    """Enqueue every due message (read in keyset pages) in batches of
    ``ECRM_AUTOMATION_SEND_BATCH_SIZE``; mark messages stuck mid-send as failed.
    ``now`` (ISO 8601) and ``kinds`` (flow kinds) are for ``ecrm_automation_run``."""
    if not services.automation_enabled():
        return 0
    services.release_stale()
    size = max(1, conf.get("ECRM_AUTOMATION_SEND_BATCH_SIZE"))
    enqueued = 0
    moment = _clock(now)
    ids = services.due_message_ids(moment, kinds=kinds)
    while ids:
        for start in range(0, len(ids), size):
            enqueue(send_batch, ids[start : start + size], *([now] if now else []))
        enqueued += len(ids)
        ids = services.due_message_ids(moment, after=ids[-1], kinds=kinds)
    return enqueued


def _scan_then_send(offered: int) -> int:
    if offered:
        enqueue(send_due)
    return offered


@ecrm_task("ecrm.automation.scan_abandoned_baskets")
def scan_abandoned_baskets() -> int:
    return _scan_then_send(services.scan_abandoned_baskets())


@ecrm_task("ecrm.automation.scan_browse_abandonment")
def scan_browse_abandonment() -> int:
    return _scan_then_send(services.scan_browse_abandonment())


@ecrm_task("ecrm.automation.scan_birthdays")
def scan_birthdays() -> int:
    return _scan_then_send(services.scan_birthdays())


@ecrm_task("ecrm.automation.scan_win_back")
def scan_win_back() -> int:
    return _scan_then_send(services.scan_win_back())


@ecrm_task("ecrm.automation.trigger_welcome")
def trigger_welcome(user_id: int) -> int:
    return _scan_then_send(services.trigger_welcome(user_id))


@ecrm_task("ecrm.automation.trigger_survey")
def trigger_survey(order_id: int) -> int:
    return _scan_then_send(services.trigger_survey(order_id))


@ecrm_task("ecrm.automation.record_order")
def record_order(order_id: int) -> int:
    """Stop reminders, and attribute the order to the messages before it."""
    return services.record_order(order_id)

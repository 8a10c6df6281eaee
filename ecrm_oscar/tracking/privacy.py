"""Tracking's part in a person's export and erasure (``ecrm_oscar.privacy.registry``)."""

from __future__ import annotations

from typing import Any

from ecrm_oscar.tracking import services
from ecrm_oscar.tracking.models import Event

#: Events exported per person at most (the newest); the count says how many exist.
EXPORT_LIMIT = 10_000


def export_user(user: Any) -> dict[str, Any]:
    events = Event.objects.filter(user_id=user.pk).order_by("-created_at", "-pk")
    rows = events.values(
        "type", "channel", "created_at", "product_id", "category_id", "order_id", "query", "value"
    )[:EXPORT_LIMIT]
    return {
        "events_total": events.count(),
        "events": [
            {
                **row,
                "created_at": row["created_at"].isoformat(),
                "value": None if row["value"] is None else str(row["value"]),
            }
            for row in rows
        ],
    }


def erase_user(user: Any) -> dict[str, int]:
    """Delete the account's events and the anonymous ones of its browsers."""
    return {"Event": services.erase_user_events(user)}

"""``record()``: the single entry point that writes an event.

Everything that records behaviour (receivers, middleware, the beacon, other ecrm apps)
calls this function, so the consent, Do-Not-Track and bot rules live in one place.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest

from ecrm_oscar.tracking.models import Event


def record(
    type: str,
    *,
    request: HttpRequest | None = None,
    user: Any = None,
    visitor_id: str = "",
    product: Any = None,
    category: Any = None,
    order: Any = None,
    query: str = "",
    value: Decimal | int | None = None,
    payload: dict[str, Any] | None = None,
    channel: str = "web",
    created_at: datetime | None = None,
) -> Event | None:
    """Write one event, or nothing (returns ``None``) when it must not be recorded.

    ``request`` supplies visitor, session and user when given. Strings are truncated
    to their column size; ``payload`` must hold no personal data.
    """
    if request is not None:
        request_user = getattr(request, "user", None)
        if user is None and request_user is not None and request_user.is_authenticated:
            user = request_user
        visitor_id = visitor_id or getattr(request, "ecrm_visitor_id", "") or ""
    fields: dict[str, Any] = {
        "type": type,
        "channel": channel,
        "visitor_id": visitor_id[:36],
        "user": user if user is not None and getattr(user, "pk", None) else None,
        "product": product,
        "category": category,
        "order": order,
        "query": (query or "")[:200],
        "value": value,
        "payload": payload or {},
    }
    if request is not None and getattr(request, "session", None) is not None:
        fields["session_key"] = request.session.session_key or ""
    if created_at is not None:
        fields["created_at"] = created_at
    return Event.objects.create(**fields)

"""Loyalty emails through Oscar's communication framework (owner-editable templates).

Each email is a ``CommunicationEventType`` code. Until the owner edits it (Dashboard →
Content → Email templates), Oscar renders the file templates
``oscar/communication/emails/commtype_<code>_{subject.txt,body.txt,body.html}`` that this
app ships; :func:`ensure_event_types` creates the rows (templates left empty, so the files
are used) so that they appear in the dashboard to be edited. Sent only from tasks.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.sites.models import Site
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_class, get_model

logger = logging.getLogger("ecrm.loyalty")

POINTS_EARNED = "ECRM_LOYALTY_POINTS_EARNED"
TIER_REACHED = "ECRM_LOYALTY_TIER_REACHED"
POINTS_EXPIRING = "ECRM_LOYALTY_POINTS_EXPIRING"
COUPON = "ECRM_LOYALTY_COUPON"

EVENT_TYPES = {
    POINTS_EARNED: _("Loyalty: points earned"),
    TIER_REACHED: _("Loyalty: tier reached"),
    POINTS_EXPIRING: _("Loyalty: points expiring"),
    COUPON: _("Loyalty: personal coupon"),
}


def ensure_event_types() -> int:
    """Create the missing ``CommunicationEventType`` rows; returns how many were created."""
    CommunicationEventType = get_model("communication", "CommunicationEventType")
    existing = set(
        CommunicationEventType.objects.filter(code__in=EVENT_TYPES).values_list("code", flat=True)
    )
    created = 0
    for code, name in EVENT_TYPES.items():
        if code not in existing:
            CommunicationEventType.objects.create(
                code=code, name=str(name), category=CommunicationEventType.USER_RELATED
            )
            created += 1
    return created


def send(code: str, user: Any, context: dict[str, Any]) -> bool:
    """Render ``code`` for ``user`` and send it; False (logged) if it could not be sent."""
    if user is None or not getattr(user, "email", ""):
        return False
    CommunicationEventType = get_model("communication", "CommunicationEventType")
    Dispatcher = get_class("communication.utils", "Dispatcher")
    site = Site.objects.get_current() if "django.contrib.sites" in settings.INSTALLED_APPS else None
    context = {
        "user": user,
        "site": site,
        "account_url": account_url(site),
        **context,
    }
    try:
        messages = CommunicationEventType.objects.get_and_render(code, context)
        Dispatcher(logger=logger).dispatch_user_messages(user, messages)
    except Exception:
        logger.exception("Could not send the %s email to user %s", code, user.pk)
        return False
    return True


def account_url(site: Any) -> str:
    """The absolute address of the shopper's loyalty page ("" if its URLs are not included)."""
    try:
        path = reverse("ecrm:loyalty-account")
    except NoReverseMatch:
        return ""
    if site is None:
        return path
    scheme = "http" if settings.DEBUG else "https"
    return f"{scheme}://{site.domain}{path}"

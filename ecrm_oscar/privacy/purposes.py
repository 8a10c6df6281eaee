"""The purposes a shopper can consent to, with their meaning and default.

Apps add their own with :func:`register_purpose` in ``AppConfig.ready()``; a consent record
for an unregistered purpose is refused, so a typo cannot create a purpose nobody checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Purpose:
    key: str
    label: str | Promise
    description: str | Promise
    #: What :func:`ecrm_oscar.privacy.services.has_consent` answers when a person has no
    #: record for this purpose. Marketing is opt-in (False), as GDPR and PECR require.
    default: bool = False


_PURPOSES: dict[str, Purpose] = {}


def register_purpose(
    key: str, label: str | Promise, description: str | Promise = "", default: bool = False
) -> Purpose:
    """Register (or replace) a purpose; returns it."""
    if not key or len(key) > 64 or not key.replace("_", "").isalnum():
        raise ValueError(f"A consent purpose key is 1-64 letters, digits or _: {key!r}")
    purpose = Purpose(key=key, label=label, description=description, default=default)
    _PURPOSES[key] = purpose
    return purpose


def get_purpose(key: str) -> Purpose:
    try:
        return _PURPOSES[key]
    except KeyError:
        known = ", ".join(sorted(_PURPOSES)) or "none"
        raise ValueError(f"Unknown consent purpose {key!r} (registered: {known})") from None


def all_purposes() -> list[Purpose]:
    return list(_PURPOSES.values())


MARKETING_EMAIL = register_purpose(
    "marketing_email",
    _("Marketing emails"),
    _("Offers, reminders and news by email. Order and account emails are always sent."),
)
TRACKING = register_purpose(
    "tracking",
    _("Browsing history"),
    _("Remembering the products and pages you view to personalise the shop."),
)

"""Consent given on Oscar's registration form (the "Email me offers and news" box).

Oscar's registration form has no such field, so the box is plain HTML the registration
templates include (``ecrm/privacy/registration_consent.html``), and this receiver reads
it from the request Oscar passes with ``user_registered``. Both of Oscar's registration
views send the signal (``/accounts/register/``, where the checkout's "I am a new
customer" lands, and the combined ``/accounts/login/`` page). One INSERT when the box is
ticked, nothing otherwise; guarded so that a failure never breaks a registration.
"""

from __future__ import annotations

from typing import Any

from oscar.core.loading import get_class

from ecrm_oscar.core.receivers import safe_receiver

user_registered = get_class("customer.signals", "user_registered")

#: Name of the checkbox in the registration forms.
FIELD = "ecrm_marketing_consent"
PURPOSE = "marketing_email"


@safe_receiver
def on_user_registered(sender: Any, user: Any = None, request: Any = None, **kwargs: Any) -> None:
    """Record marketing-email consent (source "registration") when the box was ticked."""
    from ecrm_oscar.privacy.services import box_ticked, record_consent

    if user is None or not getattr(user, "pk", None) or not box_ticked(request, FIELD):
        return
    record_consent(PURPOSE, True, source="registration", user=user)


def connect() -> None:
    user_registered.connect(on_user_registered, dispatch_uid="ecrm.privacy.user_registered")

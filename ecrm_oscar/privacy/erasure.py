"""Export and erase one customer across every app: the functions views and commands call.

``export_customer`` gathers the Oscar account, orders, reviews, alerts, wish lists and
emails plus every ``privacy.py`` provider; ``erase_customer`` runs every provider, handles
Oscar's reviews, order notes, emails, alerts and voucher uses, anonymises the orders,
deletes the account and writes an :class:`ErasureLog` entry, all in one transaction, so an erasure
that fails half-way changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecrm_oscar.privacy import accounts, registry
from ecrm_oscar.privacy.models import ErasureLog


class ErasureRefused(Exception):
    """The account must not be erased from here (staff and superusers)."""


def subject_ref(user_id: int) -> str:
    """A keyed hash of an account id: finds an erasure again without naming anybody."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"ecrm-erasure:{user_id}".encode(), hashlib.sha256).hexdigest()


def erasure_of(user_id: int) -> ErasureLog | None:
    """The log entry of an earlier erasure of this account id, if any."""
    return ErasureLog.objects.filter(subject=subject_ref(user_id)).first()


def export_customer(user: Any) -> dict[str, Any]:
    """Everything the shop holds about ``user``: Oscar's part and every provider's."""
    return {
        "exported_at": timezone.now().isoformat(),
        "oscar": {**accounts.export_account(user), **accounts.export_oscar_data(user)},
        **registry.export_user(user),
    }


def erase_customer(user: Any, performed_by: Any = None, source: str = "dashboard") -> ErasureLog:
    """Erase ``user`` everywhere and log it; raises :class:`ErasureRefused` for staff."""
    if user.is_staff or user.is_superuser:
        # shown to the staff member in the dashboard, in their language
        raise ErasureRefused(
            _("Staff accounts are not erased here: remove their staff status first.")
        )
    subject = subject_ref(user.pk)
    with transaction.atomic():
        counts = registry.erase_user(user)
        counts["oscar"] = accounts.erase_oscar_data(user)
        counts["oscar"].update(accounts.anonymise_orders(user))
        counts["oscar"].update(
            {f"deleted {name}": n for name, n in accounts.delete_account(user).items()}
        )
        if performed_by is not None and getattr(performed_by, "pk", None) == user.pk:
            performed_by = None  # a shopper erasing themselves is not kept as the actor
        return ErasureLog.objects.create(
            subject=subject, performed_by=performed_by, source=source, counts=counts
        )

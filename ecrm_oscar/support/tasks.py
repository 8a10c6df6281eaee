"""Background work of support cases."""

from __future__ import annotations

from ecrm_oscar.core.tasks import ecrm_task


@ecrm_task("ecrm.support.notify")
def notify(case_id: int, event: str) -> int:
    """Send the emails of one case event (ids only; a deleted case sends nothing)."""
    from ecrm_oscar.support.services import send_notifications

    return send_notifications(case_id, event)

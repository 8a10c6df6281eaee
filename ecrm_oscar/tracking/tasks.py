"""Background tasks of the tracking app.

``ecrm.tracking.purge`` applies the retention policy (``ECRM_TRACKING_RETENTION_DAYS``,
``ECRM_TRACKING_RETENTION_MODE``); schedule it nightly with Celery beat, e.g.::

    CELERY_BEAT_SCHEDULE = {
        "ecrm-tracking-purge": {
            "task": "ecrm.tracking.purge",
            "schedule": crontab(hour=3, minute=17),
        },
    }
"""

from __future__ import annotations

from ecrm_oscar.core.tasks import ecrm_task
from ecrm_oscar.tracking import services


@ecrm_task("ecrm.tracking.purge")
def purge() -> dict:
    """Purge or anonymise expired events, in batches; idempotent, safe to retry."""
    result = services.purge_expired_events()
    return {
        "mode": result.mode,
        "days": result.days,
        "cutoff": result.cutoff.isoformat() if result.cutoff else None,
        "events": result.events,
    }

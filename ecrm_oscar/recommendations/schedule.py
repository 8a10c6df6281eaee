"""The recommendations' periodic task, for the project's Celery beat.

``CELERY_BEAT_SCHEDULE = {**BEAT_SCHEDULE, ...}`` in settings (the demo shop does so).
Plain data (no Django imports), so settings modules can import it.
"""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Retrain every stored list (also-bought, personal, trending) nightly; orders placed
    # in between refresh their customer's list at once (receivers.on_order_placed).
    "ecrm.recommendations.train": {
        "task": "ecrm.recommendations.train",
        "schedule": crontab(hour=2, minute=47),
    },
}

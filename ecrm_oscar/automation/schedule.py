"""Marketing automation's periodic tasks, for the project's Celery beat.

``CELERY_BEAT_SCHEDULE = {**BEAT_SCHEDULE, ...}`` in settings (the demo shop does so).
Plain data (no Django imports), so settings modules can import it.
"""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Due messages (delayed steps, postponed by the cap or quiet hours) go out.
    "ecrm.automation.send_due": {"task": "ecrm.automation.send_due", "schedule": 300.0},
    "ecrm.automation.scan_abandoned_baskets": {
        "task": "ecrm.automation.scan_abandoned_baskets",
        "schedule": crontab(minute="*/10"),
    },
    "ecrm.automation.scan_browse_abandonment": {
        "task": "ecrm.automation.scan_browse_abandonment",
        "schedule": crontab(minute=23),
    },
    "ecrm.automation.scan_birthdays": {
        "task": "ecrm.automation.scan_birthdays",
        "schedule": crontab(hour=9, minute=5),
    },
    "ecrm.automation.scan_win_back": {
        "task": "ecrm.automation.scan_win_back",
        "schedule": crontab(hour=10, minute=15),
    },
}

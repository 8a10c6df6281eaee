"""The loyalty programme's periodic tasks, for the project's Celery beat.

``CELERY_BEAT_SCHEDULE = {**BEAT_SCHEDULE, ...}`` in settings (the demo shop does so).
Plain data (no Django imports), so settings modules can import it.
"""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Pending points past the returns window become spendable.
    "ecrm.loyalty.confirm_due": {"task": "ecrm.loyalty.confirm_due", "schedule": crontab(minute=7)},
    # Points held by checkouts nobody finished go back to the shoppers.
    "ecrm.loyalty.release_abandoned": {
        "task": "ecrm.loyalty.release_abandoned",
        "schedule": crontab(minute="*/10"),
    },
    "ecrm.loyalty.expire_points": {
        "task": "ecrm.loyalty.expire_points",
        "schedule": crontab(hour=3, minute=17),
    },
    "ecrm.loyalty.birthday_bonuses": {
        "task": "ecrm.loyalty.birthday_bonuses",
        "schedule": crontab(hour=6, minute=0),
    },
    # The rolling window moves on: re-place every account in its tier.
    "ecrm.loyalty.review_tiers": {
        "task": "ecrm.loyalty.review_tiers",
        "schedule": crontab(hour=4, minute=37),
    },
}

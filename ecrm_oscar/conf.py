"""django-ecrm settings: every ``ECRM_*`` setting, its default and why.

Values are read at call time (``conf.get("ECRM_X")`` or ``conf.settings.ECRM_X``), so
``override_settings`` in tests and per-environment settings work without restarts.
Owner-facing switches that change at run time live in the database, not here.
The list is documented in docs/settings.md; a test keeps the two in step.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings

DEFAULTS: dict[str, Any] = {
    # Log (and swallow) exceptions in receivers on Oscar's paths. Tests of the plugin
    # itself may turn this off to see failures; a shop must never do so in production.
    "ECRM_SAFE_RECEIVERS": True,
    # Name of the Celery queue the plugin's tasks are sent to (None: Celery's default).
    "ECRM_CELERY_QUEUE": None,
    # Retry policy of the plugin's background tasks (exponential backoff, in seconds).
    "ECRM_TASK_MAX_RETRIES": 5,
    "ECRM_TASK_RETRY_BACKOFF_MAX": 600,
    # Where ``ecrm_load_demo --full`` looks for the complete UCI Online Retail CSV.
    "ECRM_DEMO_FULL_DATA": None,
    # --- help center (ecrm_wagtail.helpcenter) and support cases (ecrm_oscar.support) ---
    # Votes ("was this helpful?") one network address may cast on one article per day;
    # more are refused (ballot stuffing by clearing cookies).
    "ECRM_HELP_VOTES_PER_IP": 3,
    # Support cases the contact form accepts from one address (or account) per hour.
    "ECRM_SUPPORT_CASES_PER_HOUR": 5,
    # Address new support cases are announced to (None: no staff email, only the dashboard).
    "ECRM_SUPPORT_EMAIL": None,
}


def get(name: str) -> Any:
    """Return the project's value for ``name``, else the documented default."""
    if name not in DEFAULTS:
        raise AttributeError(f"{name} is not a django-ecrm setting (see docs/settings.md)")
    return getattr(django_settings, name, DEFAULTS[name])


class _LazySettings:
    """``conf.settings.ECRM_X``: attribute access to :func:`get`, read at call time."""

    def __getattr__(self, name: str) -> Any:
        return get(name)


settings = _LazySettings()

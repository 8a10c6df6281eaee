"""System checks of django-ecrm. Ids are stable; docs/checks.md lists each with its fix."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.urls import NoReverseMatch, reverse

from ecrm_oscar.conf import DEFAULTS


@register()
def check_oscar_installed(app_configs, **kwargs):
    """ecrm.E001: the Oscar apps must be installed before any ecrm_oscar app."""
    if apps.is_installed("oscar"):
        return []
    return [
        Error(
            "django-ecrm's ecrm_oscar apps need django-oscar.",
            hint="Add oscar.INSTALLED_APPS to INSTALLED_APPS before the ecrm_oscar apps.",
            id="ecrm.E001",
        )
    ]


@register()
def check_wagtail_installed(app_configs, **kwargs):
    """ecrm.E002: ecrm_wagtail apps need Wagtail's core apps."""
    uses_wagtail_apps = any(
        config.name.startswith("ecrm_wagtail") for config in apps.get_app_configs()
    )
    if not uses_wagtail_apps or apps.is_installed("wagtail"):
        return []
    return [
        Error(
            "django-ecrm's ecrm_wagtail apps need Wagtail.",
            hint="Add 'wagtail', 'wagtail.admin', 'wagtail.search' and their companions.",
            id="ecrm.E002",
        )
    ]


@register()
def check_unknown_settings(app_configs, **kwargs):
    """ecrm.W001: an ECRM_* setting that django-ecrm does not know is probably a typo."""
    unknown = sorted(
        name for name in dir(settings) if name.startswith("ECRM_") and name not in DEFAULTS
    )
    return [
        Warning(
            f"{name} is not a django-ecrm setting and is ignored.",
            hint="See docs/settings.md for the list of settings.",
            id="ecrm.W001",
        )
        for name in unknown
    ]


@register()
def check_eager_tasks_in_production(app_configs, **kwargs):
    """ecrm.W002: with DEBUG off, inline tasks put background work on the request path."""
    if settings.DEBUG or not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return []
    return [
        Warning(
            "Celery runs tasks inline (CELERY_TASK_ALWAYS_EAGER) with DEBUG off.",
            hint="Set a broker (CELERY_BROKER_URL) and run a worker for a production shop.",
            id="ecrm.W002",
        )
    ]


@register(Tags.urls)
def check_urls_included(app_configs, **kwargs):
    """ecrm.E003: the plugin's URLs must be included (they serve its endpoints)."""
    try:
        reverse("ecrm:health")
    except NoReverseMatch:
        return [
            Error(
                "django-ecrm's URLs are not included.",
                hint='Add path("", include("ecrm_oscar.urls")) to your ROOT_URLCONF.',
                id="ecrm.E003",
            )
        ]
    return []


@register()
def check_privacy_before_automation(app_configs, **kwargs):
    """ecrm.W003: the registration consent box is read before the welcome flow starts.

    Both apps answer Oscar's ``user_registered``; receivers run in app order, so with
    automation first a worker (or an inline task) may look for consent before it is written.
    """
    names = [config.name for config in apps.get_app_configs()]
    privacy, automation = "ecrm_oscar.privacy", "ecrm_oscar.automation"
    if privacy not in names or automation not in names:
        return []
    if names.index(privacy) < names.index(automation):
        return []
    return [
        Warning(
            "ecrm_oscar.automation is listed before ecrm_oscar.privacy in INSTALLED_APPS: "
            "the welcome series may start before consent given at registration is recorded.",
            hint="List ecrm_oscar.privacy before ecrm_oscar.automation.",
            id="ecrm.W003",
        )
    ]


@register()
def check_erasure_reviews(app_configs, **kwargs):
    """ecrm.E004: erasure must know what to do with the person's product reviews."""
    if getattr(settings, "ECRM_ERASURE_REVIEWS", "anonymise") in (
        "anonymise",
        "delete",
    ):
        return []
    return [
        Error(
            'ECRM_ERASURE_REVIEWS must be "anonymise" or "delete".',
            hint="See docs/privacy.md#exporting-and-erasing-a-customer.",
            id="ecrm.E004",
        )
    ]

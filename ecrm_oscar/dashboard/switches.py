"""``is_enabled(capability)``: may this capability run on the current site?

The owner switches capabilities on and off in the dashboard (``SiteSettings``, one row per
site). Every capability asks here before it records, renders or awards anything, so the
answer is cached twice: in the shared cache (so a save is seen by every process at once)
and in the process for the rest of the current request or Celery task (so a page that asks
twenty times costs one cache read). Every request and task starts by forgetting the process
copy, so a save in one process applies to the next request of every other process. Code
outside requests and tasks (a shell, a long command) keeps its copy at most
``ECRM_SWITCHES_LOCAL_SECONDS``. Saving or deleting a row clears both; no restart is needed.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings as django_settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from ecrm_oscar import conf

CAPABILITIES = (
    "tracking",
    "customers",
    "recommendations",
    "loyalty",
    "automation",
    "help_assistant",
)
logger = logging.getLogger("ecrm.switches")
CACHE_KEY = "ecrm:switches:{site_id}"
CACHE_SECONDS = 3600

_DEFAULTS: dict[str, Any] = {
    **{f"{name}_enabled": True for name in CAPABILITIES},
    "tracking_mode": "",
    "tracking_retention_days": None,
    "recommendations_include_purchased": None,
}
#: site id -> (monotonic time read, values)
_local: dict[int | None, tuple[float, dict[str, Any]]] = {}


def _site_id(request: Any = None) -> int | None:
    site_id = getattr(django_settings, "SITE_ID", None)
    if site_id is not None:
        return site_id
    if request is None:
        return None
    from django.contrib.sites.shortcuts import get_current_site

    try:
        return get_current_site(request).pk
    except Exception:  # no Site for this host: the project's settings apply
        return None


def _load(site_id: int | None) -> dict[str, Any]:
    if site_id is None:
        return dict(_DEFAULTS)
    key = CACHE_KEY.format(site_id=site_id)
    values = cache.get(key)
    if values is None:
        from ecrm_oscar.dashboard.models import SiteSettings

        try:
            row = SiteSettings.objects.filter(site_id=site_id).values(*_DEFAULTS).first()
        except Exception:  # noqa: BLE001 - not migrated yet, no database: the defaults
            # (before ``migrate``, in system checks, in code run without a database);
            # kept out of the shared cache, so the owner's row is read once the database answers.
            logger.debug("django-ecrm: switches unreadable, using defaults", exc_info=True)
            return dict(_DEFAULTS)
        values = row or dict(_DEFAULTS)
        cache.set(key, values, CACHE_SECONDS)
    return values


def values(request: Any = None) -> dict[str, Any]:
    """The current site's switches and settings (a dict; defaults when no row exists)."""
    site_id = _site_id(request)
    ttl = conf.get("ECRM_SWITCHES_LOCAL_SECONDS")
    now = time.monotonic()
    found = _local.get(site_id)
    if found is not None and ttl and now - found[0] < ttl:
        return found[1]
    loaded = _load(site_id)
    _local[site_id] = (now, loaded)
    return loaded


def is_enabled(capability: str, request: Any = None) -> bool:
    """True when ``capability`` is switched on for the current site (the default)."""
    if capability not in CAPABILITIES:
        raise ValueError(f"Unknown eCRM capability {capability!r} (one of {CAPABILITIES})")
    return bool(values(request)[f"{capability}_enabled"])


def setting(name: str, request: Any = None) -> Any:
    """An owner setting of the site, or None when it follows the project's ECRM_* setting."""
    return values(request)[name]


def effective(name: str, setting_name: str, request: Any = None) -> Any:
    """The owner's value of ``name`` for the site, else the project's ``setting_name``."""
    value = setting(name, request)
    return conf.get(setting_name) if value is None else value


def owner_value(name: str, setting_name: str) -> Any:
    """:func:`effective` for apps that work without the console installed."""
    from django.apps import apps

    if not apps.is_installed("ecrm_oscar.dashboard"):
        return conf.get(setting_name)
    return effective(name, setting_name)


def capability_on(capability: str, request: Any = None) -> bool:
    """:func:`is_enabled` for apps that work without the console installed (then True)."""
    from django.apps import apps

    if not apps.is_installed("ecrm_oscar.dashboard"):
        return True
    return is_enabled(capability, request)


def clear_cache(site_id: int | None = None) -> None:
    """Forget cached switches (of one site, or all): the next question reads the database."""
    if site_id is None:
        _local.clear()
    else:
        _local.pop(site_id, None)
        cache.delete(CACHE_KEY.format(site_id=site_id))


def _on_change(sender, instance, **kwargs) -> None:
    clear_cache(instance.site_id)


def _forget_local(**kwargs) -> None:
    """A new request or task: ask the shared cache again (one read), so another process's
    save applies now, not after ``ECRM_SWITCHES_LOCAL_SECONDS``."""
    _local.clear()


def connect() -> None:
    from celery.signals import task_prerun
    from django.core.signals import request_started

    from ecrm_oscar.dashboard.models import SiteSettings

    post_save.connect(_on_change, sender=SiteSettings, dispatch_uid="ecrm_switches_save")
    post_delete.connect(_on_change, sender=SiteSettings, dispatch_uid="ecrm_switches_delete")
    request_started.connect(_forget_local, dispatch_uid="ecrm_switches_request")
    task_prerun.connect(_forget_local, dispatch_uid="ecrm_switches_task", weak=False)

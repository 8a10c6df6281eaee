"""How every ecrm app takes part in a person's data export and erasure.

An installed app takes part by shipping a ``privacy`` module (``<app>/privacy.py``) with
two functions:

- ``export_user(user) -> dict``: everything the app holds about the person, JSON-ready
  (ids, dates as ISO strings, decimals as strings);
- ``erase_user(user) -> dict[str, int]``: delete or anonymise the person's rows; returns
  counts per model (``{"Event": 120}``); running it twice must be harmless.

Any Django app can take part, not only ecrm's: a project adds a ``privacy.py`` to its own
apps. Discovery uses the app registry, so only installed apps are asked.
"""

from __future__ import annotations

import functools
from importlib import import_module
from types import ModuleType
from typing import Any

from django.apps import apps
from django.utils.module_loading import module_has_submodule

MODULE_NAME = "privacy"


@functools.cache
def providers() -> tuple[tuple[str, ModuleType], ...]:
    """(app label, module) of every installed app with a usable ``privacy`` module."""
    found = []
    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, MODULE_NAME):
            continue
        module = import_module(f"{config.name}.{MODULE_NAME}")
        if callable(getattr(module, "export_user", None)) and callable(
            getattr(module, "erase_user", None)
        ):
            found.append((config.label, module))
    return tuple(found)


def export_user(user: Any) -> dict[str, Any]:
    """Every provider's export of ``user``, keyed by app label."""
    return {label: module.export_user(user) for label, module in providers()}


def erase_user(user: Any) -> dict[str, dict[str, int]]:
    """Every provider's erasure of ``user``, keyed by app label (counts per model)."""
    return {label: module.erase_user(user) for label, module in providers()}

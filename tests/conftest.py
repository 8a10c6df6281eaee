"""Shared fixtures. The suite runs twice under ``make test`` (see tests/settings.py)."""

import pytest


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache, so rate-limit counters and cached segments
    never leak from one test into the next (the local-memory cache outlives tests)."""
    from django.core.cache import cache

    from ecrm_oscar.dashboard import switches

    cache.clear()
    switches.clear_cache()  # the process-local copy of the owner's switches too


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts and ends in the default language: a request under /fa/ or /th/
    leaves its language active in the thread (LocaleMiddleware never deactivates it), which
    would make later reverse() calls and rendered strings Persian or Thai."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        yield

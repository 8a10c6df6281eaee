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

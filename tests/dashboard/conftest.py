import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Segment memberships are cached; every test starts without a cache."""
    cache.clear()
    yield
    cache.clear()

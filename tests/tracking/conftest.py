"""Fixtures of the tracking tests: a browser-like client, a product, the event stream."""

from __future__ import annotations

import pytest
from django.test import Client

from ecrm_oscar.testing.factories import create_customer, create_product
from ecrm_oscar.tracking.models import Event

#: The test client sends no User-Agent, which the gate treats as a bot.
BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)


@pytest.fixture
def shopper() -> Client:
    """A test client that looks like a browser (so its requests are tracked)."""
    return Client(HTTP_USER_AGENT=BROWSER_UA)


@pytest.fixture
def product(db):
    return create_product(title="Enamel camping mug", price="12.50", stock=1000)


@pytest.fixture
def customer(db):
    return create_customer(email="shopper@example.com", password="secret-password")


@pytest.fixture
def strict(settings):
    """Receivers and writes raise instead of logging, so a broken one fails its test."""
    settings.ECRM_SAFE_RECEIVERS = False


def events(type: str | None = None):
    queryset = Event.objects.order_by("created_at", "id")
    return list(queryset.filter(type=type) if type else queryset)


def types() -> list[str]:
    return [event.type for event in events()]

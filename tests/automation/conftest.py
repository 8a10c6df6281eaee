from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from oscar.core.loading import get_class, get_model

from ecrm_oscar.automation.defaults import ensure_defaults
from ecrm_oscar.automation.models import Flow
from ecrm_oscar.privacy.services import record_consent
from ecrm_oscar.testing.factories import create_customer, create_product

BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"


@pytest.fixture(autouse=True)
def _automation_settings(settings):
    """No quiet hours unless a test sets them (the tests must not depend on the clock)."""
    settings.ECRM_AUTOMATION_QUIET_HOURS = None
    settings.ECRM_AUTOMATION_BASE_URL = "http://testserver"


@pytest.fixture
def flows(db):
    ensure_defaults()
    Flow.objects.update(enabled=True)
    return {flow.kind: flow for flow in Flow.objects.all()}


@pytest.fixture
def client():
    return Client(HTTP_USER_AGENT=BROWSER_UA)


def consenting_customer(**kwargs):
    user = create_customer(**kwargs)
    record_consent("marketing_email", True, source="registration", user=user)
    return user


def open_basket(user, products=None, idle=timedelta(hours=5)):
    """An open basket of ``user`` with lines last touched ``idle`` ago."""
    Basket = get_model("basket", "Basket")
    Line = get_model("basket", "Line")
    basket = Basket.objects.create(owner=user)
    basket.strategy = get_class("partner.strategy", "Default")()
    for product in products or [create_product(price="12.00")]:
        basket.add_product(product, 1)
    Line.objects.filter(basket=basket).update(date_updated=timezone.now() - idle)
    return basket

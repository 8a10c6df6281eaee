"""Fixtures of the loyalty tests."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ecrm_oscar.testing.factories import create_customer, create_product


@pytest.fixture
def shopper():
    return create_customer()


@pytest.fixture
def program(db):
    """The programme's settings row, saved; call it with field values to change them."""
    from ecrm_oscar.loyalty.models import ProgramSettings

    settings = ProgramSettings()
    settings.save()

    def configure(**values):
        for name, value in values.items():
            setattr(settings, name, value)
        settings.save()
        return settings

    configure.settings = settings
    return configure


@pytest.fixture
def tiers(db):
    from ecrm_oscar.loyalty.models import Tier

    return {
        "silver": Tier.objects.create(name="Silver", threshold=Decimal("100"), multiplier=1),
        "gold": Tier.objects.create(
            name="Gold", threshold=Decimal("500"), multiplier=Decimal("1.5"), perks="Free gifts"
        ),
    }


@pytest.fixture
def buy(django_capture_on_commit_callbacks):
    """Place an order through Oscar and run what it enqueues after the commit."""
    from ecrm_oscar.testing.factories import create_purchase

    def place(user, *prices_and_quantities, **kwargs):
        items = [
            (create_product(price=price), quantity) for price, quantity in prices_and_quantities
        ]
        with django_capture_on_commit_callbacks(execute=True):
            return create_purchase(user, items or None, **kwargs)

    return place


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed(): ...`` runs the block, then the work it enqueued on commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)

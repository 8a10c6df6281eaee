"""Fixtures of the owner console's tests: the site's switches row, staff clients."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from ecrm_oscar.testing.factories import create_customer
from tests.tracking.conftest import BROWSER_UA


@pytest.fixture
def switch(db):
    """``switch(tracking_enabled=False, ...)``: save the current site's settings row."""
    from django.conf import settings

    from ecrm_oscar.dashboard.models import SiteSettings

    def save(**values):
        row, _ = SiteSettings.objects.get_or_create(site_id=settings.SITE_ID)
        for name, value in values.items():
            setattr(row, name, value)
        row.save()
        return row

    return save


@pytest.fixture
def shopper() -> Client:
    return Client(HTTP_USER_AGENT=BROWSER_UA)


def staff_with(*codenames: str, email: str = "staff@example.com"):
    """A staff user holding the given ``app_label.codename`` permissions."""
    user = create_customer(email, is_staff=True)
    for name in codenames:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user

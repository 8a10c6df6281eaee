"""Staff see each console page, and its menu entry, only with its Django permission."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.console.conftest import staff_with

pytestmark = pytest.mark.django_db

PAGES = {
    "ecrm_dashboard.view_kpis": reverse("ecrm:dashboard:ecrm-kpis"),
    "ecrm_dashboard.manage_switches": reverse("ecrm:dashboard:ecrm-settings"),
    "ecrm_privacy.view_erasurelog": reverse("ecrm:dashboard:ecrm-erasure-log"),
}


@pytest.mark.parametrize("permission", sorted(PAGES))
def test_each_page_needs_its_own_permission(client, permission):
    client.force_login(staff_with(permission))
    for needed, url in PAGES.items():
        expected = 200 if needed == permission else 403
        assert client.get(url).status_code == expected, (permission, url)
    menu = client.get(reverse("dashboard:index")).content.decode()
    for needed, url in PAGES.items():
        assert (f'href="{url}"' in menu) == (needed == permission), (permission, url)


def test_anonymous_visitors_go_to_the_login_page_and_shoppers_get_403(client):
    """Oscar's ``permissions_required``: login for visitors, 403 for a logged-in shopper."""
    from ecrm_oscar.testing.factories import create_customer

    for url in PAGES.values():
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(create_customer())
    for url in PAGES.values():
        assert client.get(url).status_code == 403

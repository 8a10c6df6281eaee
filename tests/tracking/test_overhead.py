"""A tracked request costs at most one write query (its events go in one INSERT)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecrm_oscar.tracking import event_types as T
from ecrm_oscar.tracking.models import Event
from tests.tracking.conftest import types

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def writes(context: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in context.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)
    ]


def measure(settings, mode: str, request) -> CaptureQueriesContext:
    settings.ECRM_TRACKING_MODE = mode
    with CaptureQueriesContext(connection) as context:
        response = request()
    assert response.status_code in (200, 302)
    return context


@pytest.mark.parametrize("page", ["product page", "add to basket"])
def test_tracking_adds_one_insert_and_nothing_else(settings, shopper, product, page):
    if page == "product page":

        def request():
            return shopper.get(product.get_absolute_url())
    else:

        def request():
            return shopper.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1})

    measure(settings, "all", request)  # warm up: basket, cookies, caches
    off = measure(settings, "off", request)
    on = measure(settings, "all", request)
    extra = [sql for sql in writes(on) if "ecrm_tracking_event" in sql]
    assert len(extra) == 1 and extra[0].startswith("INSERT")
    assert len(writes(on)) - len(writes(off)) == 1
    # the INSERT, plus its SAVEPOINT and RELEASE inside the test's transaction
    assert len(on.captured_queries) - len(off.captured_queries) <= 3
    assert Event.objects.count() == 2


def test_many_events_in_one_request_are_one_insert(shopper, product):
    """Registration records two events (registered, logged in) and joins the visitor's
    history: one INSERT for the events, one UPDATE for the join."""
    shopper.get(product.get_absolute_url())
    with CaptureQueriesContext(connection) as context:
        response = shopper.post(
            reverse("customer:register"),
            {"email": "new@example.com", "password1": "a-long-Password-42",
             "password2": "a-long-Password-42"},
        )  # fmt: skip
    assert response.status_code == 302
    ours = [sql for sql in writes(context) if "ecrm_tracking_event" in sql]
    assert [sql.split()[0] for sql in ours] == ["UPDATE", "INSERT"]
    assert types() == [T.PRODUCT_VIEWED, T.REGISTERED, T.LOGGED_IN]


def test_untracked_requests_cost_no_query(settings, product, client, django_assert_num_queries):
    """A bot's product page: tracking does no query at all (same count as tracking off)."""
    bot = {"HTTP_USER_AGENT": "Googlebot/2.1"}
    client.get(product.get_absolute_url(), **bot)
    settings.ECRM_TRACKING_MODE = "off"
    with CaptureQueriesContext(connection) as off:
        client.get(product.get_absolute_url(), **bot)
    settings.ECRM_TRACKING_MODE = "all"
    with django_assert_num_queries(len(off.captured_queries)):
        client.get(product.get_absolute_url(), **bot)
    assert Event.objects.count() == 0

"""The proof of issue 3, requirement 4: django-ecrm never breaks Oscar.

Every ecrm receiver is made to raise (the receivers of ``receivers.connect()``, the
Wagtail page hook, and the middleware's own recording: category views, search counts,
the end-of-request write), and separately every write to the event table is made to
fail in the database itself. In each case a shopper still sees the product page, adds to
the basket and goes through Oscar's whole web checkout with the test client, as a guest
and logged in, and the order is placed. The same journey with tracking working records
the expected events, on one visitor.

The tests run inside a transaction (pytest-django's ``db``), so on PostgreSQL a failed
INSERT that was not isolated in a savepoint would abort it and fail every later query
of the checkout: the savepoints are proven too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model

from ecrm_oscar.testing.factories import create_customer, create_product
from ecrm_oscar.tracking import capture, middleware, receivers
from ecrm_oscar.tracking import event_types as T
from ecrm_oscar.tracking.models import Event
from tests.tracking.conftest import BROWSER_UA

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")
Line = get_model("basket", "Line")
Country = get_model("address", "Country")


class Boom(RuntimeError):
    pass


def _raise(*args, **kwargs):
    raise Boom("an ecrm receiver failed")


@pytest.fixture
def receivers_raise() -> Iterator[None]:
    """Replace every receiver (and the middleware's recording) with one that raises,
    connected the way ``receivers.connect()`` connects the real ones."""
    names = [name for _signal, name, _sender, _atomic in receivers._connections()]
    patched = {(receivers, name): getattr(receivers, name) for name in names}
    patched[(receivers, "on_page_served")] = receivers.on_page_served
    patched[(middleware, "enrich")] = middleware.enrich
    patched[(capture, "flush")] = capture.flush
    receivers.disconnect()
    for module, name in patched:
        setattr(module, name, _raise)
    receivers.connect()
    try:
        yield
    finally:
        receivers.disconnect()
        for (module, name), original in patched.items():
            setattr(module, name, original)
        receivers.connect()


@pytest.fixture
def event_writes_fail() -> Iterator[None]:
    """Every statement writing the event table fails in the database (unknown table)."""

    def execute(run, sql, params, many, context):
        if "ecrm_tracking_event" in sql and sql.lstrip().upper().startswith(
            ("INSERT", "UPDATE", "DELETE")
        ):
            sql = sql.replace('"ecrm_tracking_event"', '"ecrm_tracking_no_such_table"')
        return run(sql, params, many, context)

    with connection.execute_wrapper(execute):
        yield


@pytest.fixture(params=["tracking works", "every receiver raises", "every event write fails"])
def failure(request):
    if request.param == "every receiver raises":
        request.getfixturevalue("receivers_raise")
    elif request.param == "every event write fails":
        request.getfixturevalue("event_writes_fail")
    return request.param


@pytest.fixture
def shop(db):
    Country.objects.create(
        iso_3166_1_a2="GB", iso_3166_1_a3="GBR", iso_3166_1_numeric="826",
        printable_name="United Kingdom", name="United Kingdom of Great Britain",
        is_shipping_country=True,
    )  # fmt: skip
    return create_product(title="Enamel camping mug", price="12.50", stock=50)


def shop_and_check_out(client: Client, product, guest: bool) -> Order:
    page = client.get(product.get_absolute_url())
    assert page.status_code == 200 and product.title in page.content.decode()

    response = client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 2})
    assert response.status_code == 302
    basket = client.get(reverse("basket:summary"))
    assert basket.status_code == 200 and product.title in basket.content.decode()

    if guest:
        assert client.get(reverse("checkout:index")).status_code == 200
        response = client.post(
            reverse("checkout:index"), {"username": "guest@example.com", "options": "anonymous"}
        )
    else:
        response = client.get(reverse("checkout:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("checkout:shipping-address")

    response = client.post(
        reverse("checkout:shipping-address"),
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "line1": "12 Analytical Row",
            "line4": "London",
            "postcode": "N1 9GU",
            "country": "GB",
        },
    )
    assert response.status_code == 302, response.content[:3000]
    response = client.get(reverse("checkout:shipping-method"), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("checkout:payment-details")

    preview = client.post(reverse("checkout:preview"))
    assert preview.status_code == 200 and product.title in preview.content.decode()
    response = client.post(reverse("checkout:preview"), {"action": "place_order"})
    assert response.status_code == 302, response.content[:3000]
    assert response["Location"] == reverse("checkout:thank-you")
    thanks = client.get(reverse("checkout:thank-you"))
    assert thanks.status_code == 200

    order = Order.objects.get()
    assert order.number in thanks.content.decode()
    assert order.status == "Pending" and order.num_items == 2
    return order


@pytest.mark.parametrize("guest", [True, False], ids=["guest", "logged in"])
def test_shopping_and_checkout_survive_any_ecrm_failure(failure, shop, guest, caplog):
    client = Client(HTTP_USER_AGENT=BROWSER_UA)
    customer = None
    if not guest:
        customer = create_customer(email="buyer@example.com", password="pw-123456789")
        response = client.post(
            reverse("customer:login"),
            {
                "login-username": customer.email,
                "login-password": "pw-123456789",
                "login_submit": "1",
            },
        )
        assert response.status_code == 302

    with caplog.at_level(logging.ERROR, logger="ecrm"):
        order = shop_and_check_out(client, shop, guest)

    assert order.user == customer
    assert order.total_incl_tax == shop.stockrecords.get().price * 2 + order.shipping_incl_tax
    if failure == "tracking works":
        assert "ecrm" not in caplog.text
        expected = [T.PRODUCT_VIEWED, T.BASKET_ADDED, T.CHECKOUT_STARTED, T.ORDER_PLACED]
        if not guest:
            expected = [T.LOGGED_IN, *expected]
        recorded = list(Event.objects.order_by("created_at", "id"))
        assert [e.type for e in recorded] == expected
        assert len({e.visitor_id for e in recorded}) == 1 and recorded[0].visitor_id
        assert {e.user for e in recorded} == {customer}
        placed = recorded[-1]
        assert (placed.order, placed.value) == (order, order.total_incl_tax)
    else:
        # The failures happened and were logged, not shown to the shopper.
        assert Event.objects.count() == 0
        assert "Boom" in caplog.text or "ecrm_tracking_no_such_table" in caplog.text
        assert "the sender was not affected" in caplog.text or "could not" in caplog.text


@pytest.mark.parametrize("broken", ["receivers_raise", "event_writes_fail"])
def test_category_search_and_wagtail_pages_survive_too(shop, broken, request):
    """The pages the middleware and the Wagtail hook record from stay up as well."""
    request.getfixturevalue(broken)
    from oscar.apps.catalogue.categories import create_from_breadcrumbs

    client = Client(HTTP_USER_AGENT=BROWSER_UA)
    category = create_from_breadcrumbs("Mugs")
    assert client.get(category.get_absolute_url()).status_code == 200
    assert client.get(reverse("search:search"), {"q": "mug"}).status_code == 200
    assert client.get(shop.get_absolute_url()).status_code == 200
    assert client.get("/", follow=True).status_code in (200, 404)  # Wagtail, if it has pages
    assert Event.objects.count() == 0

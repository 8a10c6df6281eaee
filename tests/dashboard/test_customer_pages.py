"""The eCRM dashboard: permissions, customer list, the 360° page, Oscar's integration."""

import copy
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import override_settings
from django.urls import reverse

from ecrm_oscar.customers import panels, profiles, segments
from ecrm_oscar.customers.models import Segment, SegmentMembership
from ecrm_oscar.testing.factories import create_customer, create_product
from ecrm_oscar.tracking.models import Event
from tests.customers.helpers import AS_OF, customer_with_orders, events, make_order

pytestmark = pytest.mark.django_db

LIST = reverse("ecrm:dashboard:ecrm-customer-list")
SEGMENTS = reverse("ecrm:dashboard:ecrm-segment-list")
XSS = "<script>alert(1)</script>"


def detail(user) -> str:
    return reverse("ecrm:dashboard:ecrm-customer-detail", kwargs={"pk": user.pk})


@pytest.fixture
def staff(client):
    user = create_customer("staff@example.com", is_staff=True)
    client.force_login(user)
    return user


@pytest.fixture
def shop():
    """Three customers with history, profiles and segments, as of AS_OF."""
    ann = customer_with_orders([500, 400, 300], [200, 60, 3], AS_OF, first_name="Ann")
    bob = customer_with_orders([20], [400], AS_OF, first_name="Bob")
    cat = customer_with_orders([90, 60], [40, 20], AS_OF, first_name="Cat")
    with override_settings(ECRM_RFM_SCORING="thresholds"):
        profiles.rebuild_profiles(as_of=AS_OF)
    segments.ensure_rfm_segments()
    segments.rebuild_segments(as_of=AS_OF)
    return ann, bob, cat


def test_pages_need_staff(client):
    customer = create_customer("shopper@example.com")
    urls = [LIST, detail(customer), SEGMENTS, reverse("ecrm:dashboard:ecrm-segment-create")]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("dashboard:login") + "?next=")
    client.force_login(customer)  # logged in, not staff: Oscar's dashboard answers 403
    for url in urls:
        assert client.get(url).status_code == 403


def test_staff_without_segment_permissions_can_read_but_not_edit(client, staff):
    segment = Segment.objects.create(name="Gold", slug="gold")
    assert client.get(LIST).status_code == 200
    page = client.get(SEGMENTS).content.decode()
    assert "Gold" in page and "Create segment" not in page and "Delete" not in page
    edit_urls = [
        reverse("ecrm:dashboard:ecrm-segment-create"),
        reverse("ecrm:dashboard:ecrm-segment-update", kwargs={"pk": segment.pk}),
        reverse("ecrm:dashboard:ecrm-segment-delete", kwargs={"pk": segment.pk}),
    ]
    for url in edit_urls:
        assert client.get(url).status_code == 403
    staff.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="ecrm_customers",
            codename__in=["add_segment", "change_segment", "delete_segment"],
        )
    )
    staff = get_user_model().objects.get(pk=staff.pk)  # drop the permission cache
    client.force_login(staff)
    for url in edit_urls:
        assert client.get(url).status_code == 200


def test_dashboard_menu_has_the_ecrm_entry(client, staff):
    page = client.get(reverse("dashboard:index")).content.decode()
    assert "eCRM" in page and LIST in page and SEGMENTS in page


def test_customer_list_sorts_by_spend_and_recency(client, staff, shop):
    ann, bob, cat = shop
    order = lambda r: [u.pk for u in r.context["customers"] if u.pk != staff.pk]  # noqa: E731
    assert order(client.get(LIST)) == [ann.pk, cat.pk, bob.pk]  # default: spend
    assert order(client.get(LIST, {"sort": "spend"}))[:3] == [bob.pk, cat.pk, ann.pk]
    assert order(client.get(LIST, {"sort": "recency"})) == [ann.pk, cat.pk, bob.pk]
    assert order(client.get(LIST, {"sort": "-recency"})) == [bob.pk, cat.pk, ann.pk]
    page = client.get(LIST).content.decode()
    assert "£1,200.00" in page and "Champions" in page


def test_customer_list_search_and_segment_filter(client, staff, shop):
    ann, bob, cat = shop
    response = client.get(LIST, {"q": "Bob"})
    assert [u.pk for u in response.context["customers"]] == [bob.pk]
    response = client.get(LIST, {"segment": "lost"})
    assert [u.pk for u in response.context["customers"]] == [bob.pk]
    response = client.get(LIST, {"segment": "no-such-segment"})  # invalid choice: unfiltered
    assert response.status_code == 200


def test_customer_list_escapes_the_search(client, staff):
    page = client.get(LIST, {"q": XSS}).content.decode()
    assert XSS not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_customer_list_paginates(client, staff):
    for _ in range(30):
        create_customer()
    first = client.get(LIST)
    assert first.context["paginator"].num_pages == 2
    second = client.get(LIST, {"page": 2})
    assert len(second.context["customers"]) == 31 - 25
    assert "page=2" in first.content.decode()


def test_360_shows_figures_orders_segments_and_timeline(client, staff, shop):
    ann = shop[0]
    events(ann, type="product_viewed", product=create_product(title="Blue mug"))
    page = client.get(detail(ann)).content.decode()
    for expected in (
        "£1,200.00",  # total spent
        "£400.00",  # average order value
        "R 5 · F 3 · M 5",
        "Champions",
        "Predicted CLV",
        "Next purchase",
        "Blue mug",
        "Viewed a product",
    ):
        assert expected in page, expected
    assert page.count("ecrm-360-orders") == 1
    assert page.count('<td><a href="/dashboard/orders/') == 3


def test_360_for_a_customer_without_orders(client, staff):
    newcomer = create_customer()
    page = client.get(detail(newcomer)).content.decode()
    assert "No orders yet" in page and "Nothing recorded yet" in page


def test_360_timeline_filters_and_paginates(client, staff):
    ann = create_customer()
    events(ann, type="product_viewed", n=30)
    events(ann, type="searched", query="mugs", n=5)
    events(ann, type="email_opened", channel="email", n=2)
    response = client.get(detail(ann))
    assert response.context["paginator"].count == 37
    assert response.context["paginator"].num_pages == 2
    assert len(client.get(detail(ann), {"page": 2}).context["events"]) == 12
    searched = client.get(detail(ann), {"type": "searched"})
    assert [e.type for e in searched.context["events"]] == ["searched"] * 5
    by_email = client.get(detail(ann), {"channel": "email"})
    assert [e.type for e in by_email.context["events"]] == ["email_opened"] * 2
    assert "page=2" in response.content.decode()
    assert client.get(detail(ann), {"type": "<bad>"}).status_code == 200  # ignored


def test_360_escapes_tracked_strings(client, staff):
    ann = create_customer(first_name=XSS)
    Event.objects.create(type="searched", user=ann, query=XSS, payload={"note": XSS})
    product = create_product(title=XSS)
    Event.objects.create(type="product_viewed", user=ann, product=product)
    page = client.get(detail(ann)).content.decode()
    assert XSS not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4


def _long_history(user, orders: int, events_count: int) -> None:
    for days in range(orders):
        make_order(user, 10 + days, AS_OF - timedelta(days=days * 3))
    kinds = ["product_viewed", "searched", "category_viewed", "basket_added", "page_viewed"]
    for kind in kinds:
        events(user, type=kind, n=events_count // len(kinds), product=create_product())


def test_360_query_count_does_not_grow_with_history(client, staff, django_assert_max_num_queries):
    short, long = create_customer(), create_customer()
    _long_history(short, orders=2, events_count=5)
    _long_history(long, orders=60, events_count=600)
    profiles.rebuild_profiles(as_of=AS_OF)
    segments.ensure_rfm_segments()
    segments.rebuild_segments(as_of=AS_OF)
    client.get(detail(short))  # warm Oscar's per-process caches (navigation, sites)
    with django_assert_max_num_queries(15) as short_queries:
        assert client.get(detail(short)).status_code == 200
    with django_assert_max_num_queries(15) as long_queries:
        response = client.get(detail(long))
    assert response.context["paginator"].count == 600
    assert len(long_queries.captured_queries) == len(short_queries.captured_queries)
    print(f"360° page: {len(long_queries.captured_queries)} queries")
    with django_assert_max_num_queries(15):
        client.get(detail(long), {"page": 7, "type": "searched"})


@pytest.fixture
def test_templates(settings):
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], Path(__file__).parent / "templates"]
    settings.TEMPLATES = templates


def test_panels_from_other_apps(client, staff, test_templates):
    ann = create_customer()
    panels.register(
        panels.Panel(
            code="test-loyalty",
            title="Loyalty",
            template="ecrm/dashboard/tests/panel.html",
            get_context=lambda request, customer, profile: {"points": 120},
        )
    )
    panels.register(
        panels.Panel(
            code="test-broken",
            title="Support",
            template="ecrm/dashboard/tests/panel.html",
            get_context=lambda request, customer, profile: 1 / 0,
        )
    )
    panels.register(
        panels.Panel(
            code="test-hidden",
            title="Hidden",
            template="ecrm/dashboard/tests/panel.html",
            get_context=lambda request, customer, profile: None,
        )
    )
    try:
        page = client.get(detail(ann)).content.decode()
    finally:
        for code in ("test-loyalty", "test-broken", "test-hidden"):
            panels.unregister(code)
    assert "120 points" in page
    assert 'data-panel="test-broken"' in page and "Not available right now" in page
    assert 'data-panel="test-hidden"' not in page


def test_oscars_customer_page_links_to_the_360(client):
    client.force_login(create_customer("root@example.com", is_staff=True, is_superuser=True))
    ann = create_customer()
    page = client.get(reverse("dashboard:user-detail", kwargs={"pk": ann.pk})).content.decode()
    assert detail(ann) in page


def test_segment_memberships_show_on_the_360(client, staff):
    ann = create_customer()
    gold = Segment.objects.create(name="Gold <b>club</b>", slug="gold")
    SegmentMembership.objects.create(segment=gold, user=ann)
    page = client.get(detail(ann)).content.decode()
    assert "Gold &lt;b&gt;club&lt;/b&gt;" in page
    assert f"{LIST}?segment=gold" in page

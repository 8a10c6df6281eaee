"""The recommendations' dashboard pages and the analytics they show."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from ecrm_oscar.recommendations import analytics, services
from ecrm_oscar.recommendations.models import Exclusion, Pin, PlacementSetting
from ecrm_oscar.recommendations.training import train_all
from ecrm_oscar.testing.factories import create_customer, create_product, create_purchase

pytestmark = pytest.mark.django_db

Event = get_model("ecrm_tracking", "Event")
NS = "ecrm:recommendations-dashboard:"


@pytest.fixture
def admin(client):
    user = create_customer("root@example.com", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


@pytest.fixture
def products():
    return [create_product(f"Item {n}", price="5.00") for n in range(3)]


def test_pages_are_in_the_ecrm_menu_and_render(admin, client, products):
    index = client.get(reverse("dashboard:index")).content.decode()
    for name in ("analytics", "placement-list", "exclusion-list", "pin-list"):
        url = reverse(NS + f"recommendations-{name}")
        assert url in index, name  # linked from the dashboard navigation
        assert client.get(url).status_code == 200
    for name in ("exclusion-create", "pin-create"):
        assert client.get(reverse(NS + f"recommendations-{name}")).status_code == 200
    url = reverse(NS + "recommendations-placement-update", kwargs={"placement": "product"})
    assert client.get(url).status_code == 200
    bad = reverse(NS + "recommendations-placement-update", kwargs={"placement": "nope"})
    assert client.get(bad).status_code == 404


def test_permissions(client, products):
    analytics_url = reverse(NS + "recommendations-analytics")
    assert client.get(analytics_url).status_code == 302  # to the dashboard login
    staff = create_customer("staff@example.com", is_staff=True)
    client.force_login(staff)
    assert client.get(analytics_url).status_code == 200
    update = reverse(NS + "recommendations-placement-update", kwargs={"placement": "home"})
    assert client.get(update).status_code == 403
    staff.user_permissions.add(
        Permission.objects.get(
            codename="change_placementsetting", content_type__app_label="ecrm_recommendations"
        )
    )
    assert client.get(update).status_code == 200
    assert client.get(reverse(NS + "recommendations-pin-create")).status_code == 403


def test_owner_changes_a_placement_and_the_storefront_follows(admin, client, products):
    mug, plate, _ = products
    buyer = create_customer()
    create_purchase(buyer, [(mug, 1), (plate, 1)])
    train_all()
    assert services.recommend("product", product=mug).strategy == "also_bought"
    url = reverse(NS + "recommendations-placement-update", kwargs={"placement": "product"})
    response = client.post(
        url, {"strategy": "trending", "enabled": "on", "include_purchased": "no", "limit": "4"}
    )
    assert response.status_code == 302
    setting = PlacementSetting.objects.get(placement="product")
    assert (setting.strategy, setting.include_purchased, setting.limit) == ("trending", "no", 4)
    assert services.recommend("product", product=mug).strategy == "trending"
    listing = client.get(reverse(NS + "recommendations-placement-list")).content.decode()
    assert "Trending (in the category, else overall)" in listing
    # a strategy that does not fit the placement, or a limit out of range, is refused
    response = client.post(url, {"strategy": "also_bought_x", "limit": "0"})
    assert response.status_code == 200 and PlacementSetting.objects.get().strategy == "trending"


def test_exclusions_and_pins_are_managed_in_the_dashboard(admin, client, products):
    mug, plate, spoon = products
    create = reverse(NS + "recommendations-exclusion-create")
    assert client.post(create, {"note": "nothing chosen"}).status_code == 200
    assert client.post(create, {"product": mug.pk, "note": "recalled"}).status_code == 302
    exclusion = Exclusion.objects.get()
    assert exclusion.product == mug
    delete = reverse(NS + "recommendations-exclusion-delete", kwargs={"pk": exclusion.pk})
    assert client.get(delete).status_code == 200
    assert client.post(delete).status_code == 302 and not Exclusion.objects.exists()

    pin_url = reverse(NS + "recommendations-pin-create")
    data = {"placement": "home", "product": spoon.pk, "position": 1}
    assert client.post(pin_url, {**data, "for_product": mug.pk}).status_code == 302
    both = {**data, "for_product": mug.pk, "for_category": ""}
    assert client.post(pin_url, {**both, "position": 0}).status_code == 200  # refused
    pin = Pin.objects.get()
    assert pin.for_product == mug
    pins_page = client.get(reverse(NS + "recommendations-pin-list")).content.decode()
    assert "Item 2" in pins_page and "Item 0" in pins_page
    client.post(reverse(NS + "recommendations-pin-delete", kwargs={"pk": pin.pk}))
    assert not Pin.objects.exists()


def record(
    kind, at, product=None, user=None, visitor="", placement="product:also_bought", **payload
):
    return Event.objects.create(
        type=kind,
        created_at=at,
        product=product,
        user=user,
        visitor_id=visitor,
        payload={"placement": placement, **payload},
    )


def test_analytics_attributes_orders_within_the_window(products, django_assert_max_num_queries):
    mug, plate, spoon = products
    now = timezone.now()
    customer = create_customer()
    for _ in range(4):
        record("recommendation_impression", now - timedelta(days=2), products=[mug.pk, plate.pk])
    record("recommendation_impression", now - timedelta(days=2), placement="home:personal")
    # a click by the customer, then an order of the clicked mug the next day: attributed
    record("recommendation_clicked", now - timedelta(days=2), mug, user=customer)
    order = create_purchase(customer, [(mug, 2), (spoon, 1)], placed_at=now - timedelta(days=1))
    # a visitor clicks the plate, then orders it as a guest from the same browser
    record("recommendation_clicked", now - timedelta(days=3), plate, visitor="v-guest")
    guest_order = create_purchase(None, [(plate, 1)], placed_at=now - timedelta(hours=1))
    # (in a checkout, tracking records order_placed with the browser's visitor cookie)
    placed = Event.objects.filter(type="order_placed", order=guest_order)
    assert placed.update(visitor_id="v-guest") == 1
    # a click whose order came after the window: not attributed
    late = create_customer()
    record(
        "recommendation_clicked",
        now - timedelta(days=20),
        spoon,
        user=late,
        placement="home:personal",
    )
    create_purchase(late, [(spoon, 1)], placed_at=now - timedelta(days=5))

    with django_assert_max_num_queries(4):
        figures = analytics.placement_report(now - timedelta(days=30), now + timedelta(minutes=1))
    by_key = {(f.placement, f.strategy): f for f in figures}
    product = by_key["product", "also_bought"]
    assert (product.impressions, product.clicks, product.orders) == (4, 2, 2)
    assert product.revenue == Decimal("10.00") + Decimal("5.00")  # two mugs, one plate
    assert product.ctr == 0.5
    home = by_key["home", "personal"]
    assert (home.impressions, home.clicks, home.orders, home.revenue) == (1, 1, 0, 0)
    assert order.pk and analytics.totals(figures).orders == 2


def test_analytics_page_shows_the_figures(admin, client, products):
    now = timezone.now()
    record("recommendation_impression", now, products=[products[0].pk])
    record("recommendation_clicked", now, products[0], user=admin)
    response = client.get(reverse(NS + "recommendations-analytics"))
    page = response.content.decode()
    assert "Customers who bought this also bought" in page and "100.0 %" in page
    past = client.get(
        reverse(NS + "recommendations-analytics") + "?start=2001-01-01&end=2001-01-31"
    )
    assert "No recommendation was shown in this period." in past.content.decode()
    bad = client.get(reverse(NS + "recommendations-analytics") + "?start=nonsense&end=2001-13-45")
    assert bad.status_code == 200

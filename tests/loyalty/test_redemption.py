"""Redeeming points at checkout: the form, the Oscar offer, the order, abandoned checkouts,
and every kind of bad input (message shown, ledger unchanged)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from ecrm_oscar.loyalty import facade, redemption, tasks
from ecrm_oscar.loyalty.audit import mismatches
from ecrm_oscar.loyalty.models import Kind, LedgerEntry, LoyaltyAccount, Reservation
from ecrm_oscar.testing.factories import create_customer, create_product

pytestmark = pytest.mark.django_db

D = Decimal
Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")


@pytest.fixture
def country(db):
    Country = get_model("address", "Country")
    return Country.objects.create(
        iso_3166_1_a2="GB", printable_name="United Kingdom", name="United Kingdom",
        is_shipping_country=True,
    )  # fmt: skip


@pytest.fixture
def shopper_client(client, program, country):
    user = create_customer(email="redeemer@example.com", password="pw")
    facade.award(user, 1000, key="fund", reason="Earned", confirm=True)
    client.login(username=user.username, password="pw")
    client.user = user
    return client


def add_to_basket(client, price="20.00", quantity=2):
    product = create_product(price=price)
    response = client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": quantity})
    assert response.status_code == 302
    return Basket.objects.get(owner=client.user, status=Basket.OPEN)


def form_fields(client) -> dict:
    """The hidden fields of the "pay with points" form as the payment page renders them."""
    html = client.get(reverse("checkout:payment-details")).content.decode()
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', html))


def post(client, **data):
    """Post the form; the messages the shopper sees on the page it leads back to."""
    response = client.post(reverse("ecrm:loyalty-redeem"), data, follow=True)
    assert response.redirect_chain and response.redirect_chain[0][1] == 302
    return [str(m) for m in response.context["messages"]]


def ledger():
    return list(LedgerEntry.objects.order_by("pk").values_list("pk", flat=True))


def account(user):
    return LoyaltyAccount.objects.get(user=user)


def go_to_payment(client):
    response = client.post(
        reverse("checkout:shipping-address"),
        {"first_name": "Ada", "last_name": "Lovelace", "line1": "1 Analytical St",
         "line4": "London", "postcode": "N1 9GU", "phone_number": ""},
    )  # fmt: skip
    assert response.status_code == 302, response.content[:2000]
    response = client.get(reverse("checkout:shipping-method"), follow=True)
    assert response.status_code == 200


def place_order(client):
    response = client.post(reverse("checkout:preview"), {"action": "place_order"})
    assert response.status_code == 302 and "thank-you" in response["Location"], response.content[
        :3000
    ]
    return Order.objects.filter(user=client.user).latest("pk")


# -- the happy path ---------------------------------------------------------------------------


def test_shopper_redeems_points_at_checkout(shopper_client, django_capture_on_commit_callbacks):
    client = shopper_client
    basket = add_to_basket(client)  # £40.00
    go_to_payment(client)
    fields = form_fields(client)
    assert fields["basket"] == str(basket.pk) and fields["account"] == str(account(client.user).pk)
    messages = post(client, **fields, points="500", action="apply")
    assert messages == ["500 points (£5.00) will be taken off your order."]
    assert (account(client.user).balance, account(client.user).reserved) == (500, 500)
    # The discount is an Oscar offer on the basket.
    preview = client.get(reverse("checkout:preview")).content.decode()
    assert "Loyalty points" in preview and "£35.00" in preview
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(client)
    assert order.total_incl_tax == D("35.00")
    discount = order.discounts.get()
    assert discount.amount == D("5.00") and discount.message == "Paid with 500 points"
    redeemed = LedgerEntry.objects.get(kind=Kind.REDEEM)
    assert (redeemed.order, redeemed.reserved, redeemed.points) == (order, -500, 0)
    reservation = Reservation.objects.get()
    assert reservation.status == Reservation.Status.REDEEMED and reservation.order == order
    # Earned on what was paid (35.00), pending; spent 500 of 1,000.
    assert (account(client.user).balance, account(client.user).pending) == (500, 35)
    assert mismatches() == []


def test_changing_the_points_replaces_the_reservation(shopper_client):
    client = shopper_client
    add_to_basket(client)
    go_to_payment(client)
    post(client, **form_fields(client), points="300", action="apply")
    post(client, **form_fields(client), points="700", action="apply")
    assert (account(client.user).balance, account(client.user).reserved) == (300, 700)
    assert Reservation.objects.filter(status="active").get().points == 700
    messages = post(client, **form_fields(client), action="remove")
    assert messages == ["Your points were put back in your account."]
    assert (account(client.user).balance, account(client.user).reserved) == (1000, 0)
    assert "Loyalty points" not in client.get(reverse("basket:summary")).content.decode()


def test_a_smaller_basket_after_reserving_caps_the_discount_and_releases_the_rest(
    shopper_client, django_capture_on_commit_callbacks
):
    client = shopper_client
    basket = add_to_basket(client, price="20.00", quantity=2)
    go_to_payment(client)
    post(client, **form_fields(client), points="1000", action="apply")  # £10 of £40
    # Then the basket shrinks to one item at £12.00: at most 50 % (£6.00) may be paid.
    line = basket.all_lines()[0]
    basket.lines.update(quantity=1)
    line.product.stockrecords.update(price=D("12.00"))
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(client)
    assert order.discounts.get().amount == D("6.00")
    kinds = sorted(LedgerEntry.objects.filter(reservation__isnull=False).values_list(
        "kind", "points", "reserved"))  # fmt: skip
    assert kinds == [("redeem", 0, -600), ("release", 400, -400), ("reserve", -1000, 1000)]
    assert account(client.user).balance == 400 and account(client.user).reserved == 0


# -- bad input: a clear message, the ledger unchanged -------------------------------------------


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("1100", "You have 1000 points; this needs 1100."),
        ("0", "Points must be a positive whole number."),
        ("-100", "Points must be a positive whole number."),
        ("150.5", "Points must be a whole number."),
        ("abc", "Points must be a whole number."),
        ("", "Points must be a whole number."),
        ("NaN", "Points must be a whole number."),
        ("1e400", "At most 1000000000 points can be moved at once."),
        ("99999999999999999999", "At most 1000000000 points can be moved at once."),
        ("150", "Points are spent in steps of 100."),
    ],
)
def test_bad_amounts(shopper_client, points, message):
    client = shopper_client
    add_to_basket(client)
    go_to_payment(client)
    fields = form_fields(client)
    before = ledger()
    assert post(client, **fields, points=points, action="apply") == [message]
    assert ledger() == before and not Reservation.objects.exists()


def test_more_than_the_owners_share_of_the_order(shopper_client, program):
    client = shopper_client
    add_to_basket(client, price="10.00", quantity=1)  # 50 % of £10 = 500 points
    go_to_payment(client)
    before = ledger()
    fields = form_fields(client)
    messages = post(client, **fields, points="600", action="apply")
    assert messages == ["At most 500 points can be used on this order."]
    assert ledger() == before
    program(redeem_max_share=5)  # 50p: less than one step (the form is no longer shown)
    messages = post(client, **fields, points="100", action="apply")
    assert messages == ["This order is too small to pay with points."]
    assert ledger() == before


def test_a_tampered_account_id(shopper_client):
    client = shopper_client
    add_to_basket(client)
    go_to_payment(client)
    other = create_customer()
    facade.award(other, 5000, key="other", reason="x", confirm=True)
    fields = {**form_fields(client), "account": str(account(other).pk)}
    before = ledger()
    assert post(client, **fields, points="500", action="apply") == [
        "This form does not belong to your account. Nothing was changed."
    ]
    assert ledger() == before


def test_another_users_basket(shopper_client):
    client = shopper_client
    add_to_basket(client)
    go_to_payment(client)
    victim = create_customer()
    theirs = Basket.objects.create(owner=victim)
    fields = {**form_fields(client), "basket": str(theirs.pk)}
    before = ledger()
    for action in ("apply", "remove"):
        assert post(client, **fields, points="500", action=action) == [
            "This form does not belong to your basket. Nothing was changed."
        ]
    assert ledger() == before


def test_double_submitted_forms(shopper_client):
    client = shopper_client
    add_to_basket(client)
    go_to_payment(client)
    fields = form_fields(client)
    post(client, **fields, points="500", action="apply")
    after_first = ledger()
    # The same form again (a double click): nothing changes.
    assert post(client, **fields, points="500", action="apply") == [
        "These points are already applied to your order."
    ]
    # The same (old) form with another amount, after the first went through: refused too.
    assert post(client, **fields, points="300", action="apply") == [
        "This form was already submitted. Nothing was changed."
    ]
    assert ledger() == after_first
    assert account(client.user).reserved == 500


def test_double_submitted_place_order_spends_once(
    shopper_client, django_capture_on_commit_callbacks
):
    client = shopper_client
    add_to_basket(client)
    go_to_payment(client)
    post(client, **form_fields(client), points="500", action="apply")
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(client)
        second = client.post(reverse("checkout:preview"), {"action": "place_order"})
    assert second.status_code == 302  # Oscar sends an empty basket back to the basket page
    assert Order.objects.count() == 1 and order.discounts.get().amount == D("5.00")
    assert LedgerEntry.objects.filter(kind=Kind.REDEEM).count() == 1
    assert account(client.user).balance == 500


def test_guests_and_anonymous_posts(client, program):
    response = client.post(reverse("ecrm:loyalty-redeem"), {"points": "100", "action": "apply"})
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Sign in to use your points."]
    assert not LedgerEntry.objects.exists()


def test_the_form_is_hidden_without_enough_points(client, program, country):
    user = create_customer(password="pw")
    facade.award(user, 50, key="few", reason="x", confirm=True)
    client.login(username=user.username, password="pw")
    client.user = user
    add_to_basket(client)
    go_to_payment(client)
    html = client.get(reverse("checkout:payment-details")).content.decode()
    assert "Pay with your points" not in html and "Continue" in html


# -- abandoned checkouts and settling ------------------------------------------------------------


def test_abandoned_checkouts_are_released(shopper_client):
    client = shopper_client
    basket = add_to_basket(client)
    go_to_payment(client)
    post(client, **form_fields(client), points="500", action="apply")
    now = timezone.now()
    assert redemption.release_abandoned(now) == 0  # not yet due
    assert redemption.reservation_for(Basket.objects.get(pk=basket.pk)) is not None
    Reservation.objects.update(expires_at=now - timedelta(minutes=1))
    # Expired: the discount is gone at once, even before the task runs.
    assert redemption.reservation_for(Basket.objects.get(pk=basket.pk)) is None
    # A basket frozen for payment is left alone for a while.
    Basket.objects.filter(pk=basket.pk).update(status=Basket.FROZEN)
    assert redemption.release_abandoned(now) == 0
    assert redemption.release_abandoned(now + timedelta(hours=2)) == 1
    assert (account(client.user).balance, account(client.user).reserved) == (1000, 0)
    assert redemption.release_abandoned(now + timedelta(hours=3)) == 0
    assert mismatches() == []


def test_if_spending_failed_inside_the_order_the_task_settles_it(
    shopper_client, django_capture_on_commit_callbacks, monkeypatch
):
    client = shopper_client
    add_to_basket(client)
    go_to_payment(client)
    post(client, **form_fields(client), points="500", action="apply")

    def broken(*args, **kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(redemption, "_spend", broken)
    order = place_order(client)  # the checkout still succeeds
    assert Reservation.objects.get().status == "active"
    monkeypatch.undo()
    tasks.award_order.apply(args=[order.pk])
    assert Reservation.objects.get().status == "redeemed"
    assert LedgerEntry.objects.get(kind=Kind.REDEEM).reserved == -500
    assert account(client.user).balance == 500


def test_the_offer_is_created_once_and_found_when_renamed(program):
    offer = redemption.points_offer()
    assert not offer.exclusive and offer.priority == -1000
    offer.name = "Pay with points"
    offer.save()
    assert redemption.points_offer() == offer
    assert get_model("offer", "ConditionalOffer").objects.count() == 1

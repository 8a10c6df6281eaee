"""Erasure and export of what Oscar's own tables hold about a customer beyond the account:
reviews, votes, order notes, emails, stock alerts, notifications, addresses, baskets,
wish lists and voucher uses. Each is checked after the erasure."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from oscar.core.loading import get_model

from ecrm_oscar.privacy.accounts import ERASED
from ecrm_oscar.privacy.erasure import erase_customer, export_customer
from ecrm_oscar.testing.factories import create_customer, create_product, create_purchase

pytestmark = pytest.mark.django_db

EMAIL = "yolanda.wibberley@example.com"

Review = get_model("reviews", "ProductReview")
Vote = get_model("reviews", "Vote")
OrderNote = get_model("order", "OrderNote")
Email = get_model("communication", "Email")
Notification = get_model("communication", "Notification")
ProductAlert = get_model("customer", "ProductAlert")
UserAddress = get_model("address", "UserAddress")
Basket = get_model("basket", "Basket")
WishList = get_model("wishlists", "WishList")
WishListSharedEmail = get_model("wishlists", "WishListSharedEmail")
Voucher = get_model("voucher", "Voucher")
VoucherApplication = get_model("voucher", "VoucherApplication")
Country = get_model("address", "Country")
Order = get_model("order", "Order")


@pytest.fixture
def oscar_person(django_capture_on_commit_callbacks):
    user = create_customer(EMAIL, first_name="Yolanda", last_name="Wibberley", username="ywib")
    other = create_customer("other@example.com", first_name="Otto")
    staff = create_customer("staff@example.com", is_staff=True)
    teapot, kettle = create_product("Teapot", price="80.00"), create_product("Kettle")
    with django_capture_on_commit_callbacks(execute=True):
        order = create_purchase(user, [(teapot, 1)])
    Review.objects.create(
        product=teapot, user=user, score=5, title="Yolanda loves it", body="Signed Wibberley"
    )
    Review.objects.create(  # written before she registered: name and email only
        product=kettle, name="Yolanda W", email=EMAIL.upper(), score=1, title="Meh", body="Loud"
    )
    others = Review.objects.create(product=kettle, user=other, score=4, title="Fine", body="ok")
    others.vote_up(user)
    others.update_totals()
    OrderNote.objects.create(order=order, user=user, message="Please ring twice")
    OrderNote.objects.create(order=order, user=staff, message="Called yolanda wibberley: ok")
    Email.objects.create(user=user, email=EMAIL, subject="Your order", body_text="Hi Yolanda")
    Email.objects.create(email=EMAIL, subject="Guest order", body_text="Hi Yolanda")
    Notification.objects.create(recipient=user, subject="Your order shipped")
    ProductAlert.objects.create(product=kettle, user=user)
    ProductAlert.objects.create(product=teapot, email=EMAIL, key="k1")
    country, _ = Country.objects.get_or_create(
        iso_3166_1_a2="GB", defaults={"name": "United Kingdom", "printable_name": "UK"}
    )
    UserAddress.objects.create(
        user=user, first_name="Yolanda", line1="1 Wibberley Way", postcode="YW1", country=country
    )
    Basket.objects.create(owner=user, status="Saved")
    own = WishList.objects.create(owner=user, name="Birthday")
    own.add(teapot)
    friends = WishList.objects.create(owner=other, name="Otto's")
    WishListSharedEmail.objects.create(wishlist=friends, email=EMAIL)
    now = timezone.now()
    voucher = Voucher.objects.create(
        name="Spring", code="SPRING", start_datetime=now - timedelta(days=1), end_datetime=now
    )
    VoucherApplication.objects.create(voucher=voucher, user=user, order=order)
    return user


def test_export_includes_reviews_alerts_wishlists_and_emails(oscar_person):
    data = json.loads(json.dumps(export_customer(oscar_person), default=str))["oscar"]
    assert {r["title"] for r in data["reviews"]} == {"Yolanda loves it", "Meh"}
    assert {a["product"] for a in data["product_alerts"]} == {"Kettle", "Teapot"}
    assert data["wishlists"][0]["products"] == ["Teapot"]
    assert {e["subject"] for e in data["emails"]} == {"Your order", "Guest order"}


def test_erasure_covers_oscars_tables(oscar_person):
    pk = oscar_person.pk
    order = Order.objects.get(user_id=pk)
    teapot_rating = Review.objects.get(title="Yolanda loves it").product.rating
    log = erase_customer(oscar_person)
    # reviews: kept anonymous, the person's names scrubbed from the text; ratings unchanged
    mine = Review.objects.get(product__title="Teapot")
    assert (mine.user_id, mine.name, mine.email) == (None, "", "")
    assert mine.title == f"{ERASED} loves it" and mine.body == f"Signed {ERASED}"
    assert mine.product.rating == teapot_rating == 5
    before_registering = Review.objects.get(title="Meh")
    assert (before_registering.name, before_registering.email) == ("", "")
    # votes go and the totals follow
    assert not Vote.objects.exists()
    assert Review.objects.get(title="Fine").total_votes == 0
    # order notes: hers go, staff's are kept without her name; the order stays
    assert list(OrderNote.objects.values_list("message", flat=True)) == [f"Called {ERASED}: ok"]
    assert Order.objects.filter(pk=order.pk, user__isnull=True).exists()
    # emails (also the guest one with her address only), alerts, notifications
    assert not Email.objects.exists()
    assert not ProductAlert.objects.exists()
    assert not Notification.objects.exists()
    # addresses, saved baskets, wish lists and the share of a friend's list
    assert not UserAddress.objects.exists()
    assert not Basket.objects.filter(owner_id=pk).exists()
    assert list(WishList.objects.values_list("name", flat=True)) == ["Otto's"]
    assert not WishListSharedEmail.objects.exists()
    # voucher uses are accounting: kept, without the account
    application = VoucherApplication.objects.get()
    assert application.user_id is None and application.order_id == order.pk
    assert not get_user_model().objects.filter(pk=pk).exists()
    oscar = log.counts["oscar"]
    assert oscar["ProductReview (anonymised)"] == 2 and oscar["OrderNote (scrubbed)"] == 1
    assert oscar["Email"] == 2 and oscar["VoucherApplication (unlinked)"] == 1
    assert EMAIL not in json.dumps(log.counts)


def test_reviews_can_be_deleted_instead(oscar_person, settings):
    settings.ECRM_ERASURE_REVIEWS = "delete"
    teapot = Review.objects.get(title="Yolanda loves it").product
    assert teapot.rating == 5
    log = erase_customer(oscar_person)
    assert list(Review.objects.values_list("title", flat=True)) == ["Fine"]
    teapot.refresh_from_db()
    assert teapot.rating is None  # recomputed: no review left
    assert log.counts["oscar"]["ProductReview (deleted)"] == 2


def test_scrub_replaces_whole_words_only():
    from ecrm_oscar.privacy.accounts import scrub

    names = ["ann@example.com", "Ann Lee", "Ann", "Lee"]
    assert scrub("Ann Lee (ann@example.com) will announce it; ANN agrees", names) == (
        f"{ERASED} ({ERASED}) will announce it; {ERASED} agrees"
    )

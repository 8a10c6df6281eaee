"""What shoppers see: the header badge, the account page, the Wagtail block."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ecrm_oscar.loyalty import facade
from ecrm_oscar.loyalty.models import LoyaltyAccount
from ecrm_oscar.testing.factories import create_customer, create_product, create_purchase
from ecrm_wagtail.loyalty_blocks import LoyaltyBalanceBlock

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client, program, tiers):
    user = create_customer(email="member@example.com", password="pw")
    order = create_purchase(user, [(create_product(price="150.00"), 1)])
    facade.award(user, 1234, key="a", reason="Order X", order=order, confirm=True)
    facade.award(user, 56, key="b", reason="Order Y", ref="order:y")
    from ecrm_oscar.loyalty.services import update_tier

    update_tier(user, notify=False)  # 150 spent: Silver
    client.login(username=user.username, password="pw")
    return user


def test_badge_fragment_is_personal_and_never_cached(client, member, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # session, user, account with its tier
        response = client.get(reverse("ecrm:loyalty-badge"))
    html = response.content.decode()
    assert "1,234" in html and "Silver" in html
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_badge_is_empty_for_anonymous_visitors(client, program):
    response = client.get(reverse("ecrm:loyalty-badge"))
    assert response.status_code == 200 and response.content == b""


def test_header_carries_a_placeholder_not_the_balance(client, member):
    html = client.get("/basket/").content.decode()
    assert f'data-ecrm-fragment="{reverse("ecrm:loyalty-badge")}"' in html
    assert "ecrm/loyalty/fragments.js" in html
    assert "1,234" not in html  # the page itself holds nothing personal


def test_account_page_shows_balance_tier_history_and_how_to_earn(
    client, member, program, django_assert_max_num_queries
):
    program(referral_points=100, review_points=10, expiry="age", expiry_months=12)
    # old points, about to expire
    facade.award(member, 40, key="old", reason="Old order", ref="order:old", confirm=True,
                 at=timezone.now() - timedelta(days=350))  # fmt: skip
    with django_assert_max_num_queries(25):
        response = client.get(reverse("ecrm:loyalty-account"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="ecrm-loyalty-balance">1,274<' in html
    assert 'id="ecrm-loyalty-pending">56<' in html
    assert 'id="ecrm-loyalty-tier">Silver<' in html
    assert "Spend £350.00 more to reach Gold." in html
    assert "40 points expire by" in html
    assert "Order X" in html and "Order Y" in html and "Old order" in html
    assert reverse("customer:order", kwargs={"order_number": LoyaltyAccount.objects.get(
        user=member).entries.filter(order__isnull=False).first().order.number}) in html  # fmt: skip
    assert "Gold members earn 1.5× points" in html
    assert "Review a product you bought: <strong>10</strong>" in html
    assert "/ecrm/loyalty/r/" in html  # referral link
    assert "Loyalty points</a>" in html  # the tab in Oscar's account navigation


def test_account_tab_appears_on_oscars_account_pages(client, member):
    html = client.get(reverse("customer:profile-view")).content.decode()
    assert reverse("ecrm:loyalty-account") in html


def test_history_is_paginated(client, member):
    for number in range(30):
        facade.adjust(member, 1, key=f"adj-{number}", reason=f"Gift {number}")
    first = client.get(reverse("ecrm:loyalty-account")).content.decode()
    second = client.get(reverse("ecrm:loyalty-account") + "?page=2").content.decode()
    assert "Gift 29" in first and "Gift 0" not in first
    assert "Page 1 of 2" in first and "Order X" in second


def test_birthday_is_saved_and_bad_dates_refused(client, member):
    url = reverse("ecrm:loyalty-account")
    response = client.post(url, {"birthday": "1990-07-14"})
    assert response.status_code == 302
    assert LoyaltyAccount.objects.get(user=member).birthday == date(1990, 7, 14)
    response = client.post(url, {"birthday": "not a date"})
    assert response.status_code == 200 and "Enter a valid date" in response.content.decode()
    assert LoyaltyAccount.objects.get(user=member).birthday == date(1990, 7, 14)


def test_account_page_needs_a_login(client, program):
    response = client.get(reverse("ecrm:loyalty-account"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_new_customer_sees_an_empty_account_without_errors(client, program):
    user = create_customer(password="pw")
    client.login(username=user.username, password="pw")
    html = client.get(reverse("ecrm:loyalty-account")).content.decode()
    assert 'id="ecrm-loyalty-balance">0<' in html and "No points yet" in html
    assert not LoyaltyAccount.objects.filter(user=user).exists()  # reading writes nothing


def test_wagtail_block_renders_a_placeholder_and_the_widget_is_personal(client, member):
    block = LoyaltyBalanceBlock()
    html = block.render(block.to_python({"heading": "Your rewards", "show_how_to_earn": True}))
    assert 'data-ecrm-fragment="/ecrm/loyalty/widget/?how=1"' in html
    assert "Your rewards" in html and "1,234" not in html
    widget = client.get("/ecrm/loyalty/widget/?how=1").content.decode()
    assert "1,234" in widget and "Silver" in widget and "How to earn" in widget
    client.logout()
    pitch = client.get("/ecrm/loyalty/widget/").content.decode()
    assert "Sign in or register" in pitch and "How to earn" not in pitch


def test_widget_progress_for_points_tiers(client, member, program):
    program(tier_basis="points")
    from ecrm_oscar.loyalty.services import summary, update_tier

    found = summary(member)
    # 1,290 points earned reach Gold; the stored tier is Silver until the tier task runs.
    assert found.tier_value == Decimal(1290) and found.tier.name == "Silver"
    assert found.next_tier.name == "Gold" and found.progress == 100 and found.to_next_tier == 0
    update_tier(member, notify=False)
    found = summary(member)
    assert found.tier.name == "Gold" and found.next_tier is None and found.progress == 100


# --- Persian and Thai ----------------------------------------------------------------


def in_language(language: str, name: str, query: str = "") -> str:
    """The URL a page in that language links to: /fa/... for Persian (i18n_patterns)."""
    from django.utils import translation

    with translation.override(language):
        return reverse(name) + query


def test_account_page_badge_and_widget_in_persian_right_to_left(client, member):
    url = in_language("fa", "ecrm:loyalty-account")
    assert url == "/fa/ecrm/loyalty/account/"
    html = client.get(url).content.decode()
    assert "امتیاز قابل خرج" in html and "Points to spend" not in html
    assert "راه‌های کسب امتیاز بیشتر" in html and "How to earn more" not in html
    assert "امتیازهای وفاداری" in html and "Loyalty points</a>" not in html  # account tab
    assert 'class="ecrm-page-direction" dir="rtl"' in html  # the demo layout's wrapper
    assert '<span dir="ltr">+56</span>' in html  # a signed number keeps its sign in front
    # the header's placeholder fetches the badge in the page's language
    assert 'data-ecrm-fragment="/fa/ecrm/loyalty/badge/"' in html
    badge = client.get(in_language("fa", "ecrm:loyalty-badge")).content.decode()
    assert 'title="امتیازهای وفاداری شما"' in badge and "Your loyalty points" not in badge
    assert "margin-inline-end" in badge  # the icon's gap follows the reading direction
    widget = client.get(in_language("fa", "ecrm:loyalty-widget", "?how=1")).content.decode()
    assert "امتیازهای شما" in widget and "راه‌های کسب امتیاز" in widget
    assert "Your points" not in widget and "How to earn" not in widget


def test_account_page_in_thai_and_english_stays_left_to_right(client, member):
    html = client.get(in_language("th", "ecrm:loyalty-account")).content.decode()
    assert "คะแนนที่ใช้ได้" in html and "Points to spend" not in html
    assert 'class="ecrm-page-direction" dir="ltr"' in html and 'dir="rtl"' not in html
    html = client.get(in_language("en-gb", "ecrm:loyalty-account")).content.decode()
    assert "Points to spend" in html and 'dir="ltr"' in html


def test_loyalty_block_labels_and_default_heading_are_translated():
    """The block lives outside the loyalty app; its strings ship in that app's catalogue."""
    from django.utils import translation

    block = LoyaltyBalanceBlock()
    with translation.override("fa"):
        assert str(block.meta.label) == "موجودی امتیاز وفاداری"
        assert str(block.child_blocks["show_how_to_earn"].label) == "نمایش راه‌های کسب امتیاز"
        html = block.render(block.to_python({"show_how_to_earn": False}))
        assert "جوایز شما" in html and "امتیازهای وفاداری شما" in html
        assert 'data-ecrm-fragment="/fa/ecrm/loyalty/widget/"' in html
    with translation.override("th"):
        assert str(block.meta.label) == "ยอดคะแนนสะสม"

"""A shopper redeems loyalty points at checkout, in the browser.

Logs in, sees the balance in the header (filled by fragments.js from the badge
endpoint), buys through Oscar's checkout, pays part of the order with points on the
payment step, sees the discount on the preview and the order, and finds the redemption
in their loyalty history. Screenshots land in var/screenshots/loyalty-*.png.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def points_shopper(storefront):
    from oscar.core.loading import get_model

    from ecrm_oscar.loyalty import facade
    from ecrm_oscar.testing.factories import create_customer

    get_model("address", "Country").objects.get_or_create(
        iso_3166_1_a2="GB",
        defaults={"printable_name": "United Kingdom", "name": "United Kingdom",
                  "is_shipping_country": True},
    )  # fmt: skip
    user = create_customer(email="points@example.com", password="points-password")
    facade.award(user, 1200, key="browser-fund", reason="Welcome points", confirm=True)
    return user


def test_shopper_redeems_points_at_checkout(browser_page, storefront, points_shopper):
    from playwright.sync_api import expect

    from ecrm_oscar.loyalty.models import Kind, LedgerEntry, LoyaltyAccount

    page = browser_page.page
    browser_page.goto("/accounts/login/")
    page.locator("#id_login-username").fill("points@example.com")
    page.locator("#id_login-password").fill("points-password")
    page.locator("button[name=login_submit]").click()
    page.wait_for_url(re.compile(r"/accounts/"))

    # The header shows the balance, fetched after the page loaded.
    badge = page.locator("#ecrm-loyalty-badge")
    expect(badge).to_contain_text("1,200 points")
    browser_page.screenshot("loyalty-header")

    # Two mugs (£25.00) into the basket, then through Oscar's checkout.
    for _ in range(2):
        browser_page.goto(storefront.product.get_absolute_url())
        page.get_by_role("button", name="Add to basket").click()
        expect(page.get_by_text("has been added to your basket")).to_be_visible()
    browser_page.goto("/checkout/")
    page.locator("#id_first_name").fill("Ada")
    page.locator("#id_last_name").fill("Lovelace")
    page.locator("#id_line1").fill("1 Analytical Street")
    page.locator("#id_line4").fill("London")
    page.locator("#id_postcode").fill("N1 9GU")
    page.get_by_role("button", name="Continue").click()

    # Payment step: the points form offers up to 50 % of £25.00 in steps of 100.
    page.wait_for_url(re.compile(r"/checkout/payment-details/"))
    redeem = page.locator("#ecrm-loyalty-redeem")
    expect(redeem).to_contain_text("You have 1,200 points")
    expect(redeem).to_contain_text("up to 1,200 points (£12.00)")
    browser_page.screenshot("loyalty-payment-step")
    page.locator("#ecrm-loyalty-points").fill("800")
    page.get_by_role("button", name="Use points").click()
    expect(page.get_by_text("800 points (£8.00) will be taken off your order.")).to_be_visible()
    expect(page.locator("#ecrm-loyalty-applied")).to_contain_text("800 points")

    # The preview shows the discount as an Oscar offer; place the order.
    page.locator("#view_preview").click()
    page.wait_for_url(re.compile(r"/checkout/preview/"))
    expect(page.get_by_text("Loyalty points").first).to_be_visible()
    expect(page.get_by_text("£17.00").first).to_be_visible()
    browser_page.screenshot("loyalty-preview")
    page.locator("#place-order").click()
    page.wait_for_url(re.compile(r"/checkout/thank-you/"))
    expect(page.get_by_text("£17.00").first).to_be_visible()
    browser_page.assert_styled()
    browser_page.screenshot("loyalty-thank-you")

    account = LoyaltyAccount.objects.get(user=points_shopper)
    assert (account.balance, account.reserved, account.pending) == (400, 0, 17)
    redeemed = LedgerEntry.objects.get(kind=Kind.REDEEM)
    assert redeemed.reserved == -800 and redeemed.order.total_incl_tax == Decimal("17.00")

    # The loyalty page lists the redemption and the pending points of the order.
    browser_page.goto("/ecrm/loyalty/account/")
    history = page.locator("#ecrm-loyalty-history")
    expect(history).to_contain_text(redeemed.order.number)
    expect(history).to_contain_text("-800")
    expect(page.locator("#ecrm-loyalty-balance")).to_have_text("400")
    expect(badge).to_contain_text("400 points")
    browser_page.assert_styled()
    browser_page.screenshot("loyalty-account")


def test_owner_adjusts_points_in_the_dashboard(browser_page, storefront, points_shopper):
    from playwright.sync_api import expect

    from ecrm_oscar.loyalty.models import Kind, LedgerEntry

    page = browser_page.page
    browser_page.goto("/dashboard/login/")
    page.locator("#id_username").fill(storefront.staff_email)
    page.locator("#id_password").fill(storefront.staff_password)
    page.get_by_role("button", name="Login").click()
    page.wait_for_url("**/dashboard/")

    browser_page.goto("/dashboard/loyalty/")
    expect(page.locator("#ecrm-loyalty-liability")).to_contain_text("£12.00")
    browser_page.assert_styled()
    browser_page.screenshot("loyalty-dashboard")
    page.get_by_role("link", name="Accounts").last.click()
    page.get_by_role("link", name="points@example.com").click()
    page.locator("#id_points").fill("-200")
    page.get_by_role("button", name="Adjust").click()  # no reason: refused
    expect(page.locator("#ecrm-loyalty-account-summary")).to_contain_text("1,200")
    page.locator("#id_points").fill("-200")
    page.locator("#id_reason").fill("Duplicate welcome points")
    page.get_by_role("button", name="Adjust").click()
    expect(page.locator("#ecrm-loyalty-account-summary")).to_contain_text("1,000")
    expect(page.locator("#ecrm-loyalty-ledger")).to_contain_text("Duplicate welcome points")
    browser_page.screenshot("loyalty-dashboard-account")
    entry = LedgerEntry.objects.get(kind=Kind.ADJUST)
    assert entry.actor.email == storefront.staff_email and entry.points == -200


def test_loyalty_account_in_persian_reads_right_to_left(browser_page, storefront, points_shopper):
    """Under /fa/ the page, the header badge and the history table run right to left."""
    from playwright.sync_api import expect

    page = browser_page.page
    browser_page.goto("/fa/accounts/login/")
    page.locator("#id_login-username").fill("points@example.com")
    page.locator("#id_login-password").fill("points-password")
    page.locator("button[name=login_submit]").click()
    page.wait_for_url(re.compile(r"/accounts/(?!login)"))
    browser_page.goto("/fa/ecrm/loyalty/account/")
    page.wait_for_load_state("load")
    expect(page.locator("#ecrm-loyalty-badge")).to_contain_text("امتیاز")  # fetched in Persian
    expect(page.get_by_text("امتیاز قابل خرج")).to_be_visible()
    history = page.locator("#ecrm-loyalty-history")
    assert history.evaluate("node => getComputedStyle(node).direction") == "rtl"
    date_header, points_header = history.locator("th").nth(0), history.locator("th").nth(3)
    # first column on the right, and the points column aligned to its end (the left)
    assert date_header.bounding_box()["x"] > points_header.bounding_box()["x"]
    assert points_header.evaluate("node => getComputedStyle(node).textAlign") in ("end", "left")
    expect(history.locator("td span[dir=ltr]").first).to_have_text("+1,200")  # sign first
    browser_page.assert_styled()
    browser_page.screenshot("loyalty-account-fa")

"""The demo shop in a real browser: Wagtail pages inside Oscar's layout, the basket, the
dashboard. Screenshots of every page land in var/screenshots/ for a human to look at."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_shopper_journey(browser_page, storefront):
    from playwright.sync_api import expect

    page = browser_page.page
    product = storefront.product

    # Home: the Wagtail HomePage rendered in Oscar's storefront layout.
    browser_page.goto("/")
    expect(page.locator("h1")).to_have_text(storefront.home.title)
    expect(page.get_by_text("The django-ecrm demo shop, served by Wagtail.")).to_be_visible()
    expect(page.get_by_role("link", name="Camping mugs").first).to_be_visible()
    expect(page.locator(".navbar").first).to_be_visible()  # Oscar's header and menu
    browser_page.assert_styled()
    browser_page.screenshot("home")

    # Product page, then into the basket.
    browser_page.goto(product.get_absolute_url())
    expect(page.locator("h1")).to_have_text(product.title)
    expect(page.get_by_text("£12.50").first).to_be_visible()
    browser_page.assert_styled()
    browser_page.screenshot("product")
    page.get_by_role("button", name="Add to basket").click()
    expect(page.get_by_text(f"{product.title} has been added to your basket")).to_be_visible()

    browser_page.goto("/basket/")
    expect(page.locator("#content_inner").get_by_text(product.title).first).to_be_visible()
    browser_page.assert_styled()
    browser_page.screenshot("basket")

    # The help center: a Wagtail page of ecrm_wagtail, again inside Oscar's layout.
    browser_page.goto("/help/")
    expect(page.locator("h1")).to_have_text("Help center")
    expect(page.get_by_text("Answers about orders, delivery and returns.")).to_be_visible()
    browser_page.assert_styled()
    browser_page.screenshot("help")


def test_staff_logs_into_the_dashboard(browser_page, storefront):
    from playwright.sync_api import expect

    page = browser_page.page
    browser_page.goto("/dashboard/login/")
    browser_page.assert_styled()
    browser_page.screenshot("dashboard-login")
    page.locator("#id_username").fill(storefront.staff_email)
    page.locator("#id_password").fill(storefront.staff_password)
    page.get_by_role("button", name="Login").click()

    page.wait_for_url("**/dashboard/")
    expect(page.locator("h1")).to_contain_text("Dashboard")
    expect(page.get_by_text("Your Store Statistics")).to_be_visible()
    browser_page.assert_styled()
    browser_page.screenshot("dashboard")

"""The privacy and email-preference account pages in Persian, in the browser: the text is
Persian and the layout runs right to left (tables, the account tabs, the form).
Screenshots land in var/screenshots/privacy-your-data-fa.png and
automation-preferences-fa.png."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def consenting_shopper(storefront):
    from ecrm_oscar.privacy.services import record_consent
    from ecrm_oscar.testing.factories import create_customer

    user = create_customer(email="sara@example.com", password="sara-password-1")
    record_consent("marketing_email", True, source="registration", user=user)
    return user


def log_in_persian(browser_page) -> None:
    page = browser_page.page
    browser_page.goto("/fa/accounts/login/")
    page.locator("#id_login-username").fill("sara@example.com")
    page.locator("#id_login-password").fill("sara-password-1")
    page.locator("button[name=login_submit]").click()
    page.wait_for_url(re.compile(r"/accounts/(?!login)"))


def test_your_data_and_email_preferences_in_persian_read_right_to_left(
    browser_page, storefront, consenting_shopper
):
    from playwright.sync_api import expect

    page = browser_page.page
    log_in_persian(browser_page)
    browser_page.goto("/fa/ecrm/privacy/")
    page.wait_for_load_state("load")
    box = page.locator(".ecrm-privacy-account")
    expect(box.get_by_text("انتخاب‌های شما")).to_be_visible()
    expect(page.locator("#ecrm-download-my-data")).to_contain_text("دریافت داده‌های من")
    assert box.evaluate("node => getComputedStyle(node).direction") == "rtl"
    choice = box.locator("table").first.locator("tr").first
    label, answer = choice.locator("th"), choice.locator("td")
    expect(label).to_contain_text("ایمیل‌های تبلیغاتی")
    expect(answer).to_have_text("بله")
    # the purpose (first column) is on the right, its answer to its left
    assert label.bounding_box()["x"] > answer.bounding_box()["x"]
    browser_page.assert_styled()
    browser_page.screenshot("privacy-your-data-fa")

    page.get_by_role("link", name="تنظیمات ایمیل").first.click()
    page.wait_for_load_state("load")
    form = page.locator("form.ecrm-automation-preferences")
    expect(form).to_contain_text("پیشنهادها، یادآوری‌ها و خبرها را برایم ایمیل کنید")
    assert form.evaluate("node => getComputedStyle(node).direction") == "rtl"
    checkbox = form.locator("input[type=checkbox]")
    expect(checkbox).to_be_checked()
    checkbox.uncheck()
    form.get_by_role("button", name="ذخیره").click()
    page.wait_for_load_state("load")
    expect(page.get_by_text("تنظیمات ایمیل شما ذخیره شد.")).to_be_visible()
    expect(
        page.locator("form.ecrm-automation-preferences input[type=checkbox]")
    ).not_to_be_checked()
    browser_page.screenshot("automation-preferences-fa")

"""The help center in a real browser: search, the assistant, a vote and opening a case."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def help_demo(storefront):
    from sandbox.demo.help_demo import load_help_demo

    load_help_demo(storefront.help_center)
    return storefront


def test_shopper_gets_help_and_opens_a_case(browser_page, help_demo):
    from playwright.sync_api import expect

    from ecrm_oscar.support.models import SupportCase

    page = browser_page.page

    # Search, with the match highlighted in the snippet.
    browser_page.goto("/help/")
    expect(page.get_by_role("link", name="Returns and refunds")).to_be_visible()
    page.locator("#ecrm-help-q").fill("refnd")  # a typo
    page.locator("form.ecrm-helpcenter__search button").click()
    page.wait_for_url("**/help/search/?q=refnd")
    expect(page.locator(".ecrm-search__corrected")).to_contain_text("refund")
    first = page.locator(".ecrm-search__result").first
    expect(first.locator("mark").first).to_be_visible()
    browser_page.assert_styled()
    browser_page.screenshot("help-search")

    # Read the article; the assistant answers a question in the shopper's words.
    page.get_by_role("link", name="When will I get my refund?").first.click()
    expect(page.locator("h1")).to_have_text("When will I get my refund?")
    page.locator("#ecrm-assistant-q").fill("how long until I see my money back?")
    page.locator(".ecrm-assistant__form button").click()
    answer = page.locator(".ecrm-answer").first
    expect(answer).to_be_visible()
    expect(answer.locator("a")).to_have_text("When will I get my refund?")
    browser_page.screenshot("help-assistant")

    # "Was this helpful?": one vote.
    page.get_by_role("button", name="Yes").click()
    expect(page.locator(".ecrm-feedback__thanks")).to_contain_text("Thank you for your feedback.")
    browser_page.screenshot("help-vote")

    # Still stuck: contact us from the assistant, with suggestions while typing.
    page.locator("#ecrm-assistant-q").fill("my refund never arrived")
    page.locator(".ecrm-assistant__form button").click()
    contact = page.locator(".ecrm-assistant__contact a")
    expect(contact).to_be_visible()
    contact.click()
    page.wait_for_url("**/help/contact/**")
    page.locator("#id_subject").fill("Refund for order 1234")
    expect(page.locator(".ecrm-case-form__suggestions a").first).to_be_visible()
    page.locator("#id_body").fill("I returned a mug two weeks ago and have no refund yet.")
    page.locator("#id_email").fill("shopper@example.com")
    browser_page.screenshot("help-contact")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("is open. We will answer by email.")).to_be_visible()
    case = SupportCase.objects.get()
    assert case.subject == "Refund for order 1234"
    assert case.context["question"] == "my refund never arrived"
    assert case.seen_articles()[0].title == "When will I get my refund?"
    assert not browser_page.failed, browser_page.failed


def test_persian_help_center_reads_right_to_left(browser_page, help_demo):
    from playwright.sync_api import expect

    page = browser_page.page
    browser_page.goto("/fa/help/")
    expect(page.locator("h1")).to_have_text("مرکز راهنما")
    direction = page.locator(".ecrm-helpcenter-wrap").evaluate("e => getComputedStyle(e).direction")
    assert direction == "rtl"
    browser_page.screenshot("help-fa")

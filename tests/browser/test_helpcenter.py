"""The help center in a real browser: search, the assistant, a vote and opening a case, in
English, Persian (right to left) and Thai."""

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
    # The assistant's script is deferred: until it has run, the form posts to the
    # no-JavaScript answer page (no vote form there), which a loaded machine can hit.
    page.wait_for_load_state("load")
    page.locator("#ecrm-assistant-q").fill("how long until I see my money back?")
    page.locator(".ecrm-assistant__form button").click()
    answer = page.locator(".ecrm-answer").first
    expect(answer).to_be_visible()
    expect(answer.locator("a")).to_have_text("When will I get my refund?")
    browser_page.screenshot("help-assistant")

    # "Was this helpful?": one vote.
    page.get_by_role("button", name="Yes").click()
    expect(page.locator(".ecrm-feedback__thanks")).to_contain_text("Thank you for your feedback.")
    page.wait_for_load_state("load")  # the reloaded page's deferred script has run
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


# Per language: the help center's URL, its title, a search word, the article it finds, a
# question in the shopper's own words, the "Yes" and "Send" buttons and the thanks message.
LANGUAGES = {
    "fa": {
        "root": "/fa/help/",
        "title": "مرکز راهنما",
        "search": "بازپرداخت",
        "article": "بازپرداخت وجه چه زمانی انجام می‌شود؟",
        "question": "پول من کی برمی‌گردد؟ بازپرداخت",
        "yes": "بله",
        "thanks": "از بازخورد شما سپاسگزاریم.",
        "send": "ارسال",
        "opened": "ثبت شد",
        "dir": "rtl",
    },
    "th": {
        "root": "/th/help/",
        "title": "ศูนย์ช่วยเหลือ",
        "search": "คืนเงิน",
        "article": "ฉันจะได้รับเงินคืนเมื่อไร",
        "question": "จะได้เงินคืนกี่วัน",
        "yes": "ใช่",
        "thanks": "ขอบคุณสำหรับความคิดเห็นของคุณ",
        "send": "ส่ง",
        "opened": "เปิดเรื่อง",
        "dir": "ltr",
    },
}


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_help_in_persian_and_thai(browser_page, help_demo, language):
    """The same journey as in English, in the language's own words and layout."""
    from playwright.sync_api import expect

    from ecrm_oscar.support.models import SupportCase

    words = LANGUAGES[language]
    page = browser_page.page
    browser_page.goto(words["root"])
    expect(page.locator("h1")).to_have_text(words["title"])
    direction = page.locator(".ecrm-helpcenter-wrap").evaluate("e => getComputedStyle(e).direction")
    assert direction == words["dir"]

    # search: the article is found, the match highlighted
    page.locator("#ecrm-help-q").fill(words["search"])
    page.locator("form.ecrm-helpcenter__search button").click()
    page.wait_for_url(f"**{words['root']}search/**")
    first = page.locator(".ecrm-search__result").first
    expect(first.locator("a.h5")).to_have_text(words["article"])
    expect(first.locator("mark").first).to_be_visible()
    browser_page.screenshot(f"help-search-{language}")

    # the article; the assistant answers a question worded differently from the article
    first.locator("a.h5").click()
    expect(page.locator("h1")).to_have_text(words["article"])
    page.wait_for_load_state("load")  # the assistant's deferred script has run
    page.locator("#ecrm-assistant-q").fill(words["question"])
    page.locator(".ecrm-assistant__form button").click()
    answer = page.locator(".ecrm-answer").first
    expect(answer.locator("a")).to_have_text(words["article"])
    browser_page.screenshot(f"help-assistant-{language}")

    # a vote
    yes = page.locator("#ecrm-feedback button[name=helpful][value=yes]")
    expect(yes).to_have_text(words["yes"])
    yes.click()
    expect(page.locator(".ecrm-feedback__thanks")).to_contain_text(words["thanks"])
    page.wait_for_load_state("load")  # the reloaded page's deferred script has run

    # still stuck: contact us, from the assistant's answer; a case in this language
    page.locator("#ecrm-assistant-q").fill(words["question"])
    page.locator(".ecrm-assistant__form button").click()
    expect(page.locator(".ecrm-assistant__contact a")).to_be_visible()
    page.locator(".ecrm-assistant__contact a").click()
    page.wait_for_url(f"**{words['root']}contact/**")
    page.locator("#id_body").fill(words["question"])
    page.locator("#id_email").fill("shopper@example.com")
    page.get_by_role("button", name=words["send"], exact=True).click()
    expect(page.get_by_text(words["opened"])).to_be_visible()
    case = SupportCase.objects.get()
    assert case.context["language"] == language
    assert case.context["question"] == words["question"]
    assert case.seen_articles()[0].title == words["article"]
    browser_page.screenshot(f"help-contact-{language}")
    assert not browser_page.failed, browser_page.failed

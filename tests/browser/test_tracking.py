"""Behaviour capture in a real browser: the consent banner, then beacon.js sending a
recommendation impression and a click to /ecrm/t/ (sendBeacon, same origin)."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.browser


def wait_for_events(page, type: str, count: int = 1, timeout: float = 15.0) -> list:
    """Poll the database; waiting through Playwright keeps its event loop running (the
    test's request router has to pass the beacon's request on to the live server)."""
    from ecrm_oscar.tracking.models import Event

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = list(Event.objects.filter(type=type).order_by("id"))
        if len(found) >= count:
            return found
        page.wait_for_timeout(100)
    pytest.fail(f"no {type} event after {timeout:.0f} s")


def test_consent_then_recommendation_impression_and_click(browser_page, storefront, settings):
    from playwright.sync_api import expect

    from ecrm_oscar.tracking import event_types as T
    from ecrm_oscar.tracking.models import Event

    settings.ECRM_TRACKING_MODE = "consent"
    settings.ECRM_TRACKING_BOT_PATTERNS = []  # headless chromium says "HeadlessChrome"
    page = browser_page.page
    product = storefront.product
    beacons = []
    page.on("response", lambda r: beacons.append(r.status) if "/ecrm/t/" in r.url else None)

    browser_page.goto(product.get_absolute_url())
    banner = page.locator("#ecrm-consent")
    expect(banner).to_be_visible()
    browser_page.screenshot("consent-banner")
    assert Event.objects.count() == 0
    banner.get_by_role("button", name="Yes, remember").click()
    page.wait_for_url(f"**{product.get_absolute_url()}")
    expect(page.locator("#ecrm-consent")).to_have_count(0)
    (viewed,) = wait_for_events(page, T.PRODUCT_VIEWED)
    assert viewed.product_id == product.pk and viewed.visitor_id

    # What the recommendations app will render: a marked-up block of products.
    page.evaluate(
        """([id, url]) => {
          const block = document.createElement("div");
          block.setAttribute("data-ecrm-recommendations", "product-page");
          block.setAttribute("data-ecrm-products", String(id));
          block.innerHTML = `<a id="rec" href="${url}" data-ecrm-product="${id}"
              data-ecrm-position="1">You may also like</a>`;
          document.querySelector("#content_inner").prepend(block);
        }""",
        [product.pk, product.get_absolute_url()],
    )
    (shown,) = wait_for_events(page, T.RECOMMENDATION_IMPRESSION)
    assert shown.payload == {"placement": "product-page", "products": [product.pk]}
    assert shown.visitor_id == viewed.visitor_id

    page.locator("#rec").click()
    (clicked,) = wait_for_events(page, T.RECOMMENDATION_CLICKED)
    assert clicked.product_id == product.pk
    assert clicked.payload == {"placement": "product-page", "position": 1}
    assert clicked.visitor_id == viewed.visitor_id
    assert beacons and set(beacons) == {200}, beacons
    assert not browser_page.failed, browser_page.failed

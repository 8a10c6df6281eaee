"""The owner opens the KPI overview in a browser: the charts render, offline.

Demo-like data: the real Online Retail lines of tests/data/online_retail_tiny.csv loaded
by the demo loader, order events backfilled, profiles rebuilt and the RFM segment history
reconstructed, as ``make demo`` does.
Every request leaving the live server is blocked (no CDN): the SVG charts are drawn by the
server. The screenshot lands in var/screenshots/console-kpis.png.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

TINY = Path(__file__).resolve().parents[1] / "data" / "online_retail_tiny.csv"


@pytest.fixture
def demo_shop(live_server):
    from ecrm_oscar.customers.backfill import backfill_order_events
    from ecrm_oscar.customers.history import backfill_segment_history
    from ecrm_oscar.customers.profiles import rebuild_profiles
    from ecrm_oscar.customers.segments import ensure_rfm_segments, rebuild_segments
    from sandbox.demo import loader
    from tests.browser.conftest import wagtail_root

    wagtail_root()  # a transactional test before this one may have flushed it
    loader.load_demo(TINY)
    backfill_order_events()
    rebuild_profiles()
    ensure_rfm_segments()
    rebuild_segments()
    backfill_segment_history()
    return loader


def test_kpi_overview_charts_render(browser_page, demo_shop):
    from playwright.sync_api import expect

    page = browser_page.page
    browser_page.goto("/accounts/login/")
    page.locator("#id_login-username").fill(demo_shop.ADMIN_EMAIL)
    page.locator("#id_login-password").fill(demo_shop.ADMIN_PASSWORD)
    page.locator("button[name=login_submit]").click()
    page.wait_for_url(re.compile(r"/accounts/|/dashboard/"))

    browser_page.goto("/dashboard/ecrm/kpis/?preset=all")
    expect(page.locator("h1")).to_contain_text("KPI overview")
    orders = page.locator('[data-kpi="customers.orders"] .ecrm-kpi-value')
    expect(orders).not_to_have_text("0")
    expect(orders).not_to_have_text("–")
    lines = page.locator("svg.ecrm-chart-line")
    assert lines.count() >= 5
    box = lines.first.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 30
    # a drawn line, and bars for the RFM segment sizes
    assert page.locator('[data-kpi="customers.revenue"] svg polyline').count() >= 1
    bars = page.locator("svg.ecrm-chart-bars rect.ecrm-chart-bar")
    assert bars.count() >= 7
    widths = [float(bars.nth(i).get_attribute("width")) for i in range(bars.count())]
    assert max(widths) > 10
    # the RFM segment movements of the history (reconstructed month by month), as bars
    moves = page.locator("section.ecrm-kpi", has_text="RFM segment movements")
    expect(moves).to_be_visible()
    expect(moves.locator("svg.ecrm-chart-bars")).to_contain_text("→")
    assert moves.locator("rect.ecrm-chart-bar").count() >= 2
    # the help text of a figure is its hover title
    title = page.locator('[data-kpi="customers.average_order_value"] h3').get_attribute("title")
    assert "Revenue" in title
    assert not browser_page.failed, browser_page.failed
    assert not [url for url in browser_page.blocked if "ecrm" in url]
    browser_page.screenshot("console-kpis")

    # the period picker: a custom range that ends before it starts is refused clearly
    page.locator("select[name=preset]").select_option("custom")
    page.locator("input[name=start]").fill("2011-02-01")
    page.locator("input[name=end]").fill("2011-01-01")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".alert-danger").first).to_contain_text("ends before it starts")

"""The eCRM section of Oscar's dashboard in Persian and Thai (staff who use Oscar's
dashboard in those languages see the eCRM pages in them too)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from tests.console.conftest import staff_with

pytestmark = pytest.mark.django_db


def in_language(language: str, name: str) -> str:
    with translation.override(language):
        return reverse(name)


def test_settings_page_in_persian(client):
    client.force_login(staff_with("ecrm_dashboard.manage_switches"))
    url = in_language("fa", "ecrm:dashboard:ecrm-settings")
    assert url.startswith("/fa/")
    html = client.get(url).content.decode()
    assert "قابلیت‌ها در این سایت" in html and "Capabilities on this site" not in html
    assert "برنامه وفاداری" in html and "Loyalty programme" not in html
    assert "حالت ردیابی" in html and "Tracking mode" not in html
    response = client.post(url, {"tracking_enabled": "on"}, follow=True)
    html = response.content.decode()
    assert "تنظیمات eCRM ذخیره شد" in html and "settings were saved" not in html


def test_kpi_overview_in_thai(client):
    client.force_login(staff_with("ecrm_dashboard.view_kpis"))
    html = client.get(in_language("th", "ecrm:dashboard:ecrm-kpis")).content.decode()
    assert "ภาพรวม KPI" in html and "KPI overview" not in html
    assert "30 วันที่ผ่านมา" in html and "Last 30 days" not in html
    assert "ช่วงก่อนหน้า" in html and "Previous period" not in html
    # the automation app's KPI labels come from its own catalogue
    assert "อัตราการเปิด" in html and "Open rate" not in html


def test_kpi_overview_tracking_figures_in_persian(client):
    """The tracking app's KPI labels and help (gettext when the page is built) in Persian."""
    client.force_login(staff_with("ecrm_dashboard.view_kpis"))
    html = client.get(in_language("fa", "ecrm:dashboard:ecrm-kpis")).content.decode()
    assert 'data-kpi="tracking.sessions_with_product_view"' in html
    assert "نشست‌های دارای بازدید محصول" in html and "Sessions with a product view" not in html
    assert "نرخ تبدیل" in html and "Conversion rate" not in html
    assert "نشست‌هایی که سفارش ثبت کرده‌اند ÷ نشست‌های دارای بازدید محصول" in html
    assert "Distinct browser sessions" not in html and "Sessions that placed" not in html


def test_erasure_log_in_persian(client):
    client.force_login(staff_with("ecrm_privacy.view_erasurelog"))
    html = client.get(in_language("fa", "ecrm:dashboard:ecrm-erasure-log")).content.decode()
    assert "هنوز پاک‌سازی‌ای انجام نشده است." in html and "No erasure yet." not in html

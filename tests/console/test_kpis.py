"""The KPI overview: providers, figures against the previous period, charts, CSV/JSON, bad
input, permissions and the page's query count."""

from __future__ import annotations

import csv
import io
import re
import types
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ecrm_oscar.dashboard import kpi_registry, overview
from ecrm_oscar.testing.factories import create_customer, create_product, create_purchase
from ecrm_oscar.tracking.models import Event
from tests.console.conftest import staff_with

pytestmark = pytest.mark.django_db

PAGE = reverse("ecrm:dashboard:ecrm-kpis")
CSV = reverse("ecrm:dashboard:ecrm-kpis-csv")
JSON = reverse("ecrm:dashboard:ecrm-kpis-json")


@pytest.fixture
def owner(client):
    user = staff_with("ecrm_dashboard.view_kpis", email="owner@example.com")
    client.force_login(user)
    return user


def _event(kind, session, when, value=None):
    return Event.objects.create(type=kind, session_key=session, created_at=when, value=value)


@pytest.fixture
def history():
    """This week: 3 orders (2 by a returning customer), 4 viewing sessions of which 1
    ordered, 10 recommendation lists shown and 2 clicked; last week: 1 order."""
    now = timezone.now()
    ann, bob = create_customer(), create_customer()
    teapot = create_product(price="100.00")
    create_purchase(ann, [(teapot, 1)], placed_at=now - timedelta(days=10))  # previous
    create_purchase(ann, [(teapot, 2)], placed_at=now - timedelta(days=2))
    create_purchase(bob, [(teapot, 1)], placed_at=now - timedelta(days=1))
    create_purchase(None, [(teapot, 1)], placed_at=now - timedelta(days=1))  # a guest
    for n in range(4):
        _event("product_viewed", f"s{n}", now - timedelta(days=1))
    _event("product_viewed", "old", now - timedelta(days=9))
    _event("recommendation_clicked", "s0", now - timedelta(days=1, minutes=5))
    _event("order_placed", "s0", now - timedelta(days=1), value=Decimal("100.00"))
    for n in range(10):
        _event("recommendation_impression", f"s{n}", now - timedelta(days=1))
    _event("recommendation_clicked", "s1", now - timedelta(days=1))
    return {"ann": ann, "bob": bob}


def _figures(days=7) -> dict:
    choice = overview.choose_period({"preset": str(days)})
    return {f["key"]: f for f in overview.overview(choice)["all"]}


def test_every_installed_apps_provider_is_found():
    labels = {label for label, _module in kpi_registry.providers()}
    assert {
        "ecrm_tracking",
        "ecrm_customers",
        "ecrm_recommendations",
        "ecrm_loyalty",
        "ecrm_helpcenter",
    } <= labels


def test_figures_and_their_previous_period(history, settings):
    settings.ECRM_RFM_REFERENCE = "now"
    figures = _figures(7)
    assert figures["customers.orders"]["value"] == 3
    assert figures["customers.orders"]["previous"] == 1
    # 100 + 200 + 100 + 100 (shipping free in the factory): AOV over 3 orders
    assert figures["customers.revenue"]["value"] == Decimal("400.00")
    assert figures["customers.average_order_value"]["value"] == pytest.approx(400 / 3)
    # Ann (2 orders by the end) and Bob (1): one of two registered buyers repeats
    assert figures["customers.repeat_purchase_rate"]["value"] == 50.0
    assert figures["tracking.sessions_with_product_view"]["value"] == 4
    assert figures["tracking.sessions_with_product_view"]["previous"] == 1
    assert figures["tracking.conversion_rate"]["value"] == 25.0
    assert figures["recommendations.ctr"]["value"] == 20.0
    assert figures["recommendations.attributed_revenue"]["value"] == Decimal("100.00")
    assert figures["helpcenter.deflection_rate"]["value"] is None  # no help session
    series = figures["customers.orders"]["series"]
    assert len(series) == 7 and sum(v for _d, v in series) == 3
    assert all(f["help"] for f in figures.values())
    assert {f["unit"] for f in figures.values()} <= set(kpi_registry.UNITS)


def test_loyalty_points_issued_and_redeemed(history, settings):
    settings.ECRM_RFM_REFERENCE = "now"  # presets end today (the sandbox ends on the last order)
    from ecrm_oscar.loyalty import facade
    from ecrm_oscar.loyalty.models import ProgramSettings

    ProgramSettings().save()
    facade.award(history["ann"], 300, key="k1", reason="bonus", confirm=True)
    figures = _figures(7)
    assert figures["loyalty.points_issued"]["value"] >= 300
    series = figures["loyalty.points_issued"]["series"]
    assert series[-1] == [timezone.localdate().isoformat(), 300]
    assert figures["loyalty.points_redeemed"]["value"] == 0
    assert figures["loyalty.liability"]["value"] > 0


def test_page_shows_figures_charts_and_help(history, owner, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(30):
        response = client.get(PAGE, {"preset": "7"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-kpi="customers.average_order_value"' in html
    assert html.count("<svg") >= 5 and "ecrm-chart-line" in html and "ecrm-chart-bars" in html
    assert "Revenue ÷ orders of the period" in html  # the help text, also as hover title
    # the KPI block (its styles to its last chart) works offline: nothing from another
    # host (a CDN). Oscar's own dashboard layout around it is not this page's to judge.
    block = html[html.index(".ecrm-kpi-grid{") : html.rindex("</section>")]
    assert "<svg" in block
    assert re.findall(r'(?:src|href)="(?:https?:)?//[^"]*', block) == []
    assert "<script" not in block


def test_all_history_and_custom_dates(history, owner, client):
    response = client.get(PAGE, {"preset": "all"})
    assert response.status_code == 200
    first = (timezone.localdate() - timedelta(days=10)).isoformat()
    assert f'value="{first}"' in response.content.decode()
    custom = client.get(PAGE, {"preset": "custom", "start": "2024-01-01", "end": "2024-01-31"})
    assert custom.status_code == 200 and b'value="2024-01-31"' in custom.content


def test_bad_input_is_refused_clearly(owner, client):
    backwards = client.get(PAGE, {"preset": "custom", "start": "2024-02-01", "end": "2024-01-01"})
    assert backwards.status_code == 200
    assert b"The period ends before it starts." in backwards.content
    assert b"Showing the last 30 days instead." in backwards.content
    garbage = client.get(PAGE, {"preset": "custom", "start": "not-a-date"})
    assert garbage.status_code == 200 and b"alert-danger" in garbage.content
    unknown = client.get(PAGE, {"preset": "forever"})
    assert unknown.status_code == 200 and b"alert-danger" in unknown.content
    assert client.get(
        JSON, {"preset": "custom", "start": "2024-02-01", "end": "2024-01-01"}
    ).json()["errors"]
    assert client.get(CSV, {"preset": "custom", "start": "x"}).status_code == 400


def test_huge_ranges_are_clamped_with_a_message(owner, client, settings):
    settings.ECRM_KPI_MAX_DAYS = 400
    response = client.get(PAGE, {"preset": "custom", "start": "1900-01-01", "end": "2024-12-31"})
    assert response.status_code == 200
    assert b"showing the last 400 days" in response.content
    data = client.get(JSON, {"preset": "custom", "start": "1900-01-01", "end": "2024-12-31"})
    assert data.json()["period"] == {"start": "2023-11-28", "end": "2024-12-31"}


def test_csv_and_json_exports(history, owner, client):
    response = client.get(CSV, {"preset": "7"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_key = {row["key"]: row for row in rows}
    assert by_key["customers.orders"]["value"] == "3"
    assert by_key["customers.orders"]["previous"] == "1"
    assert by_key["customers.orders"]["change"] == "200.0"
    data = client.get(JSON, {"preset": "7"}).json()
    assert {k["key"] for k in data["kpis"]} == set(by_key)
    start = date.fromisoformat(data["period"]["start"])
    assert data["period"]["end"] == (start + timedelta(days=6)).isoformat()
    assert data["previous"] == {
        "start": (start - timedelta(days=7)).isoformat(),
        "end": (start - timedelta(days=1)).isoformat(),
    }


def test_permissions(client):
    assert client.get(PAGE).status_code == 302  # anonymous: to the login page
    client.force_login(create_customer())
    assert client.get(PAGE).status_code == 403
    client.force_login(staff_with(email="plain@example.com"))
    for url in (PAGE, CSV, JSON):
        assert client.get(url).status_code == 403


def test_a_later_providers_figures_appear_and_a_broken_one_is_left_out(monkeypatch, owner, client):
    """An app installed later (here a made-up one) ships a provider: its figures are listed
    when it is installed and gone when it is not; a broken provider is left out."""

    def later(period, previous):
        return [
            {
                "key": "later.nps",
                "label": "Net promoter score",
                "value": 42,
                "previous": 30,
                "unit": "number",
                "help": "Promoters minus detractors.",
            },
            {"key": "bad"},  # malformed: skipped
        ]

    def broken(period, previous):
        raise RuntimeError("boom")

    found = kpi_registry.providers()
    monkeypatch.setattr(
        kpi_registry,
        "providers",
        lambda: (
            *found,
            ("ecrm_later", types.SimpleNamespace(kpis=later)),
            ("ecrm_broken", types.SimpleNamespace(kpis=broken)),
        ),
    )
    html = client.get(PAGE).content.decode()
    assert 'data-kpi="later.nps"' in html and "Promoters minus detractors." in html
    monkeypatch.setattr(kpi_registry, "providers", lambda: found)
    assert 'data-kpi="later.nps"' not in client.get(PAGE).content.decode()

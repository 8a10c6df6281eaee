"""The owner's pages, the privacy provider and the KPI module."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from oscar.core.loading import get_model

from ecrm_oscar.automation import content, kpis, privacy, services
from ecrm_oscar.automation.abstract_models import FlowKind, MessageStatus
from ecrm_oscar.automation.models import Flow, Message, SurveyResponse
from ecrm_oscar.testing.factories import create_customer, create_product, create_purchase
from tests.automation.conftest import consenting_customer, open_basket

pytestmark = pytest.mark.django_db

BASE = "/dashboard/automation/"


@pytest.fixture
def staff(client):
    user = create_customer(is_staff=True)
    client.force_login(user)
    return user


def test_dashboard_pages_need_staff(client, flows):
    client.force_login(create_customer())
    for url in [BASE, f"{BASE}messages/", f"{BASE}nps/", f"{BASE}flows/1/"]:
        response = client.get(url)
        assert response.status_code in (302, 403), url


def test_flow_list_switches_flows_and_shows_results(client, staff, flows):
    open_basket(consenting_customer())
    services.scan_abandoned_baskets()
    [services.send_message(pk) for pk in services.due_message_ids()]
    response = client.get(BASE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Abandoned basket" in page and "Post-purchase survey" in page
    basket_flow = flows[FlowKind.ABANDONED_BASKET]
    client.post(BASE, {"flow": basket_flow.pk, "enabled": "0"})
    assert not Flow.objects.get(pk=basket_flow.pk).enabled
    detail = client.get(f"{BASE}flows/{basket_flow.pk}/").content.decode()
    assert "ecrm-flow-results" in detail and "ECRM_AUTOMATION_BASKET_1" in detail
    log = client.get(f"{BASE}messages/?flow={basket_flow.pk}&status=sent").content.decode()
    assert Message.objects.get().email in log


def test_recovered_revenue_is_shown_to_the_cent(client, staff, flows):
    """Found in the demo walk-through: SQLite's SUM showed 6.30000000000000."""
    now = timezone.now()
    for _ in range(2):
        open_basket(consenting_customer())
    services.scan_abandoned_baskets()
    for message, revenue in zip(Message.objects.order_by("pk"), ("24.10", "0.20"), strict=True):
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.CONVERTED, sent_at=now, converted_at=now, revenue=revenue
        )
    flow = flows[FlowKind.ABANDONED_BASKET]
    for url in (BASE, f"{BASE}flows/{flow.pk}/"):
        response = client.get(url)
        results = (
            response.context["results"]
            if "results" in response.context
            else dict((f.pk, r) for f, r in response.context["rows"])[flow.pk]
        )
        assert str(results.revenue) == "24.30"
        assert "24.30<" in response.content.decode() and "24.3000" not in response.content.decode()


def test_edit_timing_content_incentive_and_holdout(client, staff, flows):
    flow = flows[FlowKind.ABANDONED_BASKET]
    steps = list(flow.steps.order_by("position"))
    data = {
        "name": "Basket reminder",
        "enabled": "on",
        "holdout_percent": "10",
        "incentive": "Percentage",
        "incentive_value": "15",
        "incentive_valid_days": "5",
        "include_recommendations": "on",
        "steps-TOTAL_FORMS": "3",
        "steps-INITIAL_FORMS": "2",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
        # the empty extra row, as the browser posts it (its defaults, untouched)
        "steps-2-flow": str(flow.pk),
        "steps-2-position": "1",
        "steps-2-delay_hours": "0",
        "steps-2-code": "",
    }
    for index, step in enumerate(steps):
        data.update(
            {
                f"steps-{index}-id": str(step.pk),
                f"steps-{index}-flow": str(flow.pk),
                f"steps-{index}-position": str(step.position),
                f"steps-{index}-delay_hours": "2" if index == 0 else "48",
                f"steps-{index}-code": step.code,
            }
        )
    response = client.post(f"{BASE}flows/{flow.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    flow.refresh_from_db()
    assert flow.holdout_percent == 10 and flow.incentive_value == Decimal("15")
    assert [s.delay_hours for s in flow.steps.order_by("position")] == [2, 48]
    # An unknown template code and a hold-out above 50 % are refused.
    data["steps-0-code"] = "NO_SUCH_TEMPLATE"
    data["holdout_percent"] = "90"
    response = client.post(f"{BASE}flows/{flow.pk}/edit/", data)
    assert response.status_code == 200
    assert flow.steps.get(position=1).code == "ECRM_AUTOMATION_BASKET_1"


def test_paused_flow_shows_the_error_and_can_be_resumed(client, staff, flows):
    flow = flows[FlowKind.WELCOME]
    services.pause_flow(flow, "The email template ECRM_AUTOMATION_WELCOME_1 could not be rendered")
    page = client.get(f"{BASE}flows/{flow.pk}/").content.decode()
    assert "ecrm-flow-paused" in page and "could not be rendered" in page
    assert "Paused" in client.get(BASE).content.decode()
    client.post(f"{BASE}flows/{flow.pk}/", {"resume": "1"})
    assert Flow.objects.get(pk=flow.pk).paused_at is None


def test_nps_page(client, staff, flows):
    for score, comment in [(10, "Great"), (9, ""), (3, "Late parcel")]:
        message = Message.objects.create(
            key=f"k{score}", flow=flows[FlowKind.POST_PURCHASE_SURVEY], email="a@example.com",
            trigger=f"order:{score}", context={"order_number": f"N{score}"},
        )  # fmt: skip
        SurveyResponse.objects.create(message=message, score=score, comment=comment)
    page = client.get(f"{BASE}nps/").content.decode()
    assert "Late parcel" in page
    assert '<td class="ecrm-nps">33.3</td>' in page  # (2 promoters - 1 detractor) / 3


def test_privacy_export_and_erase(flows, django_capture_on_commit_callbacks):
    ann = consenting_customer()
    open_basket(ann)
    services.scan_abandoned_baskets()
    services.send_message(Message.objects.get().pk)
    order = create_purchase(ann, [(create_product(), 1)])
    services.trigger_survey(order.pk)
    survey = Message.objects.get(flow__kind=FlowKind.POST_PURCHASE_SURVEY)
    SurveyResponse.objects.create(message=survey, score=8, comment="Nice, from Ann")
    guest_only = Message.objects.create(
        key="by-email", flow=flows[FlowKind.WELCOME], email=ann.email, trigger="registered"
    )
    from ecrm_oscar.automation.models import GuestBasket

    Basket = get_model("basket", "Basket")
    GuestBasket.objects.create(basket=Basket.objects.create(), email=ann.email)
    other = consenting_customer()
    open_basket(other)
    services.scan_abandoned_baskets()

    exported = privacy.export_user(ann)
    assert len(exported["messages"]) == 3
    assert [link["email"] for link in exported["guest_baskets"]] == [ann.email]
    assert exported["survey_responses"][0]["comment"] == "Nice, from Ann"
    import json

    json.dumps(exported)  # JSON-ready

    assert privacy.erase_user(ann) == {"Message": 3, "SurveyResponse": 1, "GuestBasket": 1}
    assert not GuestBasket.objects.exists()
    assert not Message.objects.filter(user=ann).exists()
    assert not Message.objects.filter(email=ann.email).exists()
    assert not SurveyResponse.objects.exists()
    guest_only.refresh_from_db()
    assert guest_only.key == f"erased:{guest_only.pk}"
    twice = privacy.erase_user(ann)
    assert twice == {"Message": 0, "SurveyResponse": 0, "GuestBasket": 0}  # harmless
    assert Message.objects.filter(user=other).count() == 1
    assert Message.objects.filter(status=MessageStatus.SENT).count() == 1  # stats stay
    del mail.outbox[:]


def test_kpis_in_three_queries(flows, django_assert_num_queries):
    now = timezone.now()
    ann = consenting_customer()
    open_basket(ann)
    services.scan_abandoned_baskets()
    message = Message.objects.get()
    services.send_message(message.pk)
    services.mark_clicked(message.pk)
    Message.objects.filter(pk=message.pk).update(converted_at=now, revenue=Decimal("24.00"))
    create_purchase(consenting_customer(), [(create_product(), 1)])  # a basket ordered
    survey = Message.objects.create(
        key="s", flow=flows[FlowKind.POST_PURCHASE_SURVEY], email="x@example.com", trigger="o"
    )
    SurveyResponse.objects.create(message=survey, score=10)
    period = (now - timedelta(days=6), now + timedelta(minutes=1))
    previous = (now - timedelta(days=13), now - timedelta(days=6))
    with django_assert_num_queries(3):
        result = kpis.kpis(period, previous)
    by_key = {row["key"]: row for row in result}
    assert set(by_key) == {
        "automation.abandoned_basket_rate",
        "automation.recovered_revenue",
        "automation.emails_sent",
        "automation.open_rate",
        "automation.click_rate",
        "automation.nps",
    }
    assert by_key["automation.emails_sent"]["value"] == 1
    assert by_key["automation.emails_sent"]["previous"] == 0
    assert by_key["automation.open_rate"]["value"] == 100.0
    assert by_key["automation.click_rate"]["value"] == 100.0
    assert by_key["automation.recovered_revenue"]["value"] == Decimal("24.00")
    assert by_key["automation.abandoned_basket_rate"]["value"] == 50.0  # 1 of 2 baskets
    assert by_key["automation.nps"]["value"] == 100.0
    assert by_key["automation.nps"]["previous"] is None
    for row in result:
        assert row["unit"] in {"count", "percent", "currency", "number"}
        assert str(row["label"]) and str(row["help"])
        assert row["series"][-1][0] == timezone.localdate(period[1]).isoformat()
    Basket = get_model("basket", "Basket")
    assert Basket.objects.count() == 2


def test_privacy_provider_is_discovered():
    from ecrm_oscar.privacy.registry import providers

    assert "ecrm_automation" in dict(providers())


def test_content_links_are_absolute(flows):
    message = Message.objects.create(
        key="abs", flow=flows[FlowKind.WELCOME], email="a@example.com", trigger="t"
    )
    assert content.unsubscribe_url(message).startswith("http://testserver/ecrm/a/u/")

"""Export and erasure of one customer across every ecrm table, from the dashboard and the
shopper's account: every model is checked for what it still holds about the person."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model

from ecrm_oscar.loyalty import facade
from ecrm_oscar.loyalty.models import LedgerEntry, LoyaltyAccount, ProgramSettings
from ecrm_oscar.privacy.erasure import erase_customer, export_customer, subject_ref
from ecrm_oscar.privacy.models import ErasureLog
from ecrm_oscar.privacy.services import record_consent
from ecrm_oscar.recommendations.models import Recommendation
from ecrm_oscar.recommendations.training import PERSONAL
from ecrm_oscar.testing.factories import create_customer, create_product, create_purchase
from ecrm_oscar.tracking import capture
from ecrm_oscar.tracking.models import Event
from tests.console.conftest import staff_with
from tests.helpcenter.conftest import help_tree  # noqa: F401 - a fixture
from tests.privacy.leaks import ecrm_models, leaks

pytestmark = pytest.mark.django_db

EMAIL = "zebedee.quixotic@example.com"
NEEDLES = [EMAIL, "Zebedee", "Quixotic", "zquix"]

Order = get_model("order", "Order")
ShippingAddress = get_model("order", "ShippingAddress")
SupportCase = get_model("ecrm_support", "SupportCase")
CaseMessage = get_model("ecrm_support", "CaseMessage")


@pytest.fixture
def person(help_tree, django_capture_on_commit_callbacks):  # noqa: F811
    """A customer with data in every ecrm app (and an order with a shipping address)."""
    from ecrm_wagtail.helpcenter.models import HelpFeedback

    ProgramSettings().save()
    user = create_customer(EMAIL, first_name="Zebedee", last_name="Quixotic", username="zquix")
    product = create_product("Teapot", price="80.00")
    with django_capture_on_commit_callbacks(execute=True):
        order = create_purchase(user, [(product, 1)])
    address = ShippingAddress.objects.create(
        first_name="Zebedee",
        last_name="Quixotic",
        line1="1 Quixotic Lane",
        line4="Zebedee Town",
        postcode="ZQ1 1QQ",
        country_id=_country(),
    )
    Order.objects.filter(pk=order.pk).update(shipping_address=address)
    capture.record("product_viewed", user=user, product=product, visitor_id="vis-zq")
    capture.record("searched", query="teapot", visitor_id="vis-zq")  # before logging in
    record_consent("marketing_email", True, source="registration", user=user)
    record_consent("tracking", True, source="banner", email=EMAIL)
    case = SupportCase.objects.create(subject="Zebedee's teapot", user=user, email=EMAIL)
    CaseMessage.objects.create(case=case, author=user, body="Hello, Zebedee Quixotic here")
    HelpFeedback.objects.create(
        article=help_tree.tracking,
        voter=f"user:{user.pk}",
        user=user,
        helpful=False,
        comment="Signed, Zebedee",
    )
    # (the order's refresh may already have stored their list)
    Recommendation.objects.get_or_create(
        strategy=PERSONAL,
        subject=f"user:{user.pk}",
        rank=1,
        defaults={"product": product, "score": 1.0},
    )
    facade.set_birthday(user, date(1990, 5, 17))
    facade.award(user, 500, key="bonus-zq", reason="Welcome bonus", confirm=True)
    _automation_data(user, order)
    return user


def _automation_data(user, order):
    """A sent survey email with the person's answer, a welcome email and a basket they
    left as a guest at the checkout gateway (automation)."""
    from ecrm_oscar.automation.defaults import ensure_defaults
    from ecrm_oscar.automation.models import Flow, GuestBasket, Message, SurveyResponse

    ensure_defaults()
    GuestBasket.objects.create(basket=get_model("basket", "Basket").objects.create(), email=EMAIL)
    survey = Flow.objects.get(kind="post_purchase_survey")
    welcome = Flow.objects.get(kind="welcome")
    sent = Message.objects.create(
        key=f"survey:{user.pk}:{order.number}",
        flow=survey,
        step=survey.steps.first(),
        user=user,
        email=EMAIL,
        trigger=f"order:{order.number}",
        status="sent",
        context={"first_name": "Zebedee"},
        subject="How was your teapot, Zebedee?",
    )
    SurveyResponse.objects.create(message=sent, score=3, comment="Zebedee Quixotic says meh")
    Message.objects.create(
        key=f"welcome:{user.pk}",
        flow=welcome,
        step=welcome.steps.first(),
        user=user,
        email=EMAIL,
        trigger="registered",
        status="queued",
    )


def _country():
    Country = get_model("address", "Country")
    country, _ = Country.objects.get_or_create(
        iso_3166_1_a2="GB", defaults={"name": "United Kingdom", "printable_name": "UK"}
    )
    return country.pk


def test_every_app_has_something_of_the_person_before(person):
    before = leaks(person.pk, NEEDLES)
    for label in (
        "ecrm_tracking.Event",
        "ecrm_privacy.ConsentRecord",
        "ecrm_support.SupportCase",
        "ecrm_support.CaseMessage",
        "ecrm_helpcenter.HelpFeedback",
        "ecrm_loyalty.LoyaltyAccount",
        "ecrm_customers.CustomerProfile",
        "ecrm_customers.SegmentChange",
        "ecrm_automation.Message",
        "ecrm_automation.SurveyResponse",
        "ecrm_automation.GuestBasket",
    ):
        assert any(found.startswith(label) for found in before), (label, before)


def test_export_holds_everything_and_is_json(person):
    data = json.loads(json.dumps(export_customer(person), default=str))
    assert data["oscar"]["account"]["email"] == EMAIL
    assert data["oscar"]["orders"][0]["shipping_address"]["last_name"] == "Quixotic"
    assert data["ecrm_tracking"]["events_total"] >= 1
    assert {c["purpose"] for c in data["ecrm_privacy"]["consents"]} == {
        "marketing_email",
        "tracking",
    }
    assert data["ecrm_support"]["cases"][0]["messages"][0]["body"].startswith("Hello")
    assert data["ecrm_helpcenter"]["votes"][0]["comment"] == "Signed, Zebedee"
    assert data["ecrm_loyalty"]["account"]["birthday"] == "1990-05-17"
    assert data["ecrm_customers"]["profile"]["orders_count"] == 1
    assert data["ecrm_customers"]["segment_history"][0]["from_segment"] == ""
    assert data["ecrm_recommendations"]["recommended_products"]


def test_erasure_leaves_no_personal_data_in_any_ecrm_model(person):
    pk = person.pk
    order = Order.objects.get(user_id=pk)
    ledger_rows = LedgerEntry.objects.count()
    events = Event.objects.count()  # all of them the person's (as the account or browser)
    assert ledger_rows and events >= 3
    staff = staff_with(email="dpo@example.com")
    log = erase_customer(person, performed_by=staff)
    assert leaks(pk, NEEDLES) == []
    # orders kept for accounting, without the person
    order.refresh_from_db()
    assert order.user_id is None and order.guest_email == ""
    address = order.shipping_address
    assert (address.first_name, address.line1, address.postcode) == ("", "", "")
    assert address.country_id == "GB"
    # the ledger is append-only: kept, on an account that names nobody
    assert LedgerEntry.objects.count() == ledger_rows
    account = LoyaltyAccount.objects.get()
    assert account.user_id is None and account.birthday is None and account.balance == 500
    assert not get_user_model().objects.filter(pk=pk).exists()
    assert not Event.objects.filter(visitor_id="vis-zq").exists()
    # the log: who, when, counts, and a keyed hash instead of the person
    assert log.subject == subject_ref(pk) and log.performed_by == staff
    assert log.counts["ecrm_tracking"]["Event"] == events
    assert EMAIL not in json.dumps(log.counts)


def test_the_check_finds_a_model_that_keeps_personal_data(person):
    """The scanner is not blind: data a careless model kept is reported."""
    pk = person.pk
    erase_customer(person)
    SupportCase.objects.create(subject="Kept by mistake", email=EMAIL)
    assert leaks(pk, NEEDLES) == [
        f"ecrm_support.SupportCase.email ~ {needle}" for needle in NEEDLES[:3]
    ]
    assert "ecrm_dashboard" in {m._meta.app_label for m in ecrm_models()}


def test_dashboard_export_and_erasure_with_confirmation(person):
    pk = person.pk
    owner = staff_with(
        "ecrm_privacy.export_personal_data",
        "ecrm_privacy.erase_personal_data",
        "ecrm_privacy.view_erasurelog",
        email="owner@example.com",
    )
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    export_url = reverse("ecrm:dashboard:ecrm-privacy-export", kwargs={"pk": pk})
    erase_url = reverse("ecrm:dashboard:ecrm-privacy-erase", kwargs={"pk": pk})
    response = client.get(export_url)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert json.loads(response.content)["oscar"]["account"]["email"] == EMAIL
    page = client.get(erase_url)
    assert page.status_code == 200 and b"ecrm-erase-form" in page.content
    token = page.cookies["csrftoken"].value
    assert client.post(erase_url, {"confirm": EMAIL}).status_code == 403  # no CSRF
    wrong = client.post(erase_url, {"confirm": "someone@else", "csrfmiddlewaretoken": token})
    assert wrong.status_code == 400
    assert get_user_model().objects.filter(pk=pk).exists()
    done = client.post(erase_url, {"confirm": EMAIL, "csrfmiddlewaretoken": token})
    assert done.status_code == 302
    assert ErasureLog.objects.count() == 1
    # erasing twice and exporting an erased customer: a clear answer, nothing done
    again = client.post(erase_url, {"confirm": EMAIL, "csrfmiddlewaretoken": token})
    assert again.status_code == 410 and b"was erased on" in again.content
    gone = client.get(export_url)
    assert gone.status_code == 410 and b"was erased on" in gone.content
    never = client.get(reverse("ecrm:dashboard:ecrm-privacy-export", kwargs={"pk": 999999}))
    assert never.status_code == 404 and b"no customer account" in never.content
    assert ErasureLog.objects.count() == 1
    log_page = client.get(reverse("ecrm:dashboard:ecrm-erasure-log"))
    assert log_page.status_code == 200 and b"owner@example.com" in log_page.content
    assert EMAIL.encode() not in log_page.content


def test_privacy_pages_need_their_permissions(person, client):
    export_url = reverse("ecrm:dashboard:ecrm-privacy-export", kwargs={"pk": person.pk})
    erase_url = reverse("ecrm:dashboard:ecrm-privacy-erase", kwargs={"pk": person.pk})
    assert client.get(export_url).status_code == 302  # anonymous: to the login page
    client.force_login(staff_with("ecrm_privacy.export_personal_data"))
    assert client.get(export_url).status_code == 200
    assert client.get(erase_url).status_code == 403
    assert client.post(erase_url, {"confirm": EMAIL}).status_code == 403
    assert get_user_model().objects.filter(pk=person.pk).exists()


def test_staff_accounts_are_not_erased_here(person):
    owner = staff_with("ecrm_privacy.erase_personal_data", email="boss@example.com")
    client = Client()
    client.force_login(owner)
    url = reverse("ecrm:dashboard:ecrm-privacy-erase", kwargs={"pk": owner.pk})
    response = client.post(url, {"confirm": "boss@example.com"})
    assert response.status_code == 400
    assert get_user_model().objects.filter(pk=owner.pk).exists()


def test_consents_on_the_360_page(person, client):
    client.force_login(create_customer("admin@example.com", is_staff=True))
    html = client.get(
        reverse("ecrm:dashboard:ecrm-customer-detail", kwargs={"pk": person.pk})
    ).content.decode()
    assert 'id="ecrm-consents"' in html and "marketing_email" in html and "Consent banner" in html


def test_shopper_downloads_their_own_data(person):
    client = Client()
    assert client.get(reverse("ecrm:privacy-download")).status_code == 302
    client.force_login(person)
    page = client.get(reverse("ecrm:privacy-account"))
    assert page.status_code == 200 and b"ecrm-download-my-data" in page.content
    assert b"Your data" in client.get(reverse("customer:profile-view")).content
    response = client.get(reverse("ecrm:privacy-download"))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["oscar"]["account"]["email"] == EMAIL
    assert data["ecrm_loyalty"]["account"]["balance"] == 500

"""The optional "Email me offers and news" box on Oscar's registration forms: ticked, it
records marketing-email consent (source "registration") and the welcome email goes out;
unticked, nothing is recorded and the welcome series is held back."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from ecrm_oscar.automation.abstract_models import FlowKind, MessageStatus
from ecrm_oscar.automation.defaults import ensure_defaults
from ecrm_oscar.automation.models import Flow, Message
from ecrm_oscar.privacy import receivers
from ecrm_oscar.privacy.models import ConsentRecord
from ecrm_oscar.privacy.services import has_consent
from ecrm_oscar.testing.factories import create_product
from tests.tracking.conftest import BROWSER_UA

pytestmark = pytest.mark.django_db

PASSWORD = "a-Long-pass-1234"
BOX = 'name="ecrm_marketing_consent"'


@pytest.fixture
def flows(db):
    ensure_defaults()
    Flow.objects.update(enabled=True)


@pytest.fixture
def client():
    return Client(HTTP_USER_AGENT=BROWSER_UA)


def _register(client, email, ticked, url="/accounts/register/"):
    data = {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    if ticked:
        data[receivers.FIELD] = "1"
    return client.post(url, data)


def _welcome(email):
    return Message.objects.filter(flow__kind=FlowKind.WELCOME, email=email).order_by(
        "step__position"
    )


def test_both_registration_pages_show_the_box_unticked(client):
    for url in ("/accounts/register/", "/accounts/login/"):
        html = client.get(url).content.decode()
        assert BOX in html and "Email me offers and news" in html
        box = html[html.index(BOX) - 120 : html.index(BOX) + 120]
        assert "checked" not in box


def test_ticked_box_records_consent_and_the_welcome_email_is_sent(
    flows, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _register(client, "ticked@example.com", ticked=True)
    assert response.status_code == 302
    record = ConsentRecord.objects.get()
    assert (record.purpose, record.granted, record.source) == (
        "marketing_email",
        True,
        "registration",
    )
    assert record.user.email == "ticked@example.com"
    assert has_consent("marketing_email", user=record.user)
    first = _welcome("ticked@example.com").first()
    assert first.status == MessageStatus.SENT
    assert any("Welcome to" in m.subject and m.to == ["ticked@example.com"] for m in mail.outbox)


def test_unticked_box_records_nothing_and_no_welcome_email(
    flows, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert _register(client, "unticked@example.com", ticked=False).status_code == 302
    assert not ConsentRecord.objects.exists()
    assert _welcome("unticked@example.com").first().status == MessageStatus.CANCELLED
    assert not [m for m in mail.outbox if "Welcome to" in m.subject]


def test_the_combined_login_page_records_consent_too(flows, client):
    response = client.post(
        "/accounts/login/",
        {
            "registration-email": "combined@example.com",
            "registration-password1": PASSWORD,
            "registration-password2": PASSWORD,
            "registration_submit": "Register",
            receivers.FIELD: "on",
        },
    )
    assert response.status_code == 302
    assert ConsentRecord.objects.get().source == "registration"


def test_checkouts_new_customer_path_lands_on_the_box(client):
    """At checkout, "I am a new customer" sends the shopper to the registration page."""
    product = create_product(price="12.00")
    client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1, "action": "add"})
    gateway = client.post(
        reverse("checkout:index"), {"username": "buyer@example.com", "options": "new"}
    )
    assert gateway.status_code == 302
    register_url = gateway["Location"]
    assert register_url.startswith(reverse("customer:register"))
    page = client.get(register_url).content.decode()
    assert BOX in page
    response = _register(client, "buyer@example.com", ticked=True, url=register_url)
    assert response.status_code == 302
    assert ConsentRecord.objects.get().user.email == "buyer@example.com"


def test_a_form_error_keeps_the_box_ticked_and_records_nothing(client):
    response = client.post(
        "/accounts/register/",
        {
            "email": "typo@example.com",
            "password1": PASSWORD,
            "password2": "different",
            receivers.FIELD: "1",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "checked" in html[html.index(BOX) : html.index(BOX) + 200]
    assert not ConsentRecord.objects.exists()


def test_a_failing_consent_write_never_breaks_registration(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database unavailable")

    monkeypatch.setattr("ecrm_oscar.privacy.services.record_consent", broken)
    assert _register(client, "still@example.com", ticked=True).status_code == 302
    assert not ConsentRecord.objects.exists()

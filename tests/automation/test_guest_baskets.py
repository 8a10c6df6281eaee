"""Guests who give their email (and consent) at the checkout gateway get basket reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from ecrm_oscar.automation import services
from ecrm_oscar.automation.abstract_models import MessageStatus
from ecrm_oscar.automation.models import GuestBasket, Message
from ecrm_oscar.privacy.models import ConsentRecord
from ecrm_oscar.privacy.services import has_consent
from ecrm_oscar.testing.factories import create_product

pytestmark = pytest.mark.django_db


def guest_at_gateway(client, email: str, consent: bool):
    product = create_product(title="Guest teapot", price="15.00")
    client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1})
    page = client.get(reverse("checkout:index"))
    assert page.status_code == 200
    data = {"username": email, "options": "anonymous"}
    if consent:
        data["ecrm_marketing_consent"] = "on"
    response = client.post(reverse("checkout:index"), data)
    assert response.status_code == 302
    Line = get_model("basket", "Line")
    Line.objects.update(date_updated=timezone.now() - timedelta(hours=5))
    return page


def test_the_gateway_offers_the_consent_box_unticked(flows, client):
    product = create_product()
    client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1})
    page = client.get(reverse("checkout:index"))
    html = page.content.decode()
    assert 'name="ecrm_marketing_consent"' in html and 'name="username"' in html
    assert "ecrm/automation/checkout/consent.html" in [t.name for t in page.templates]
    box = html[html.index('name="ecrm_marketing_consent"') :].split(">", 1)[0]
    assert "checked" not in box  # opt-in: never ticked in advance


def test_a_consenting_guest_gets_one_reminder_with_the_basket_link(flows, client):
    guest_at_gateway(client, " Guest@Example.com ", consent=True)
    link = GuestBasket.objects.get()
    assert link.email == "guest@example.com"
    record = ConsentRecord.objects.get(email="guest@example.com")
    assert record.granted and record.source == "checkout" and record.user_id is None

    assert services.scan_abandoned_baskets() == 1
    assert services.scan_abandoned_baskets() == 0  # idempotent
    message = Message.objects.get()
    assert message.user_id is None and message.email == "guest@example.com"
    assert message.context == {"basket_id": link.basket_id}
    assert [services.send_message(pk) for pk in services.due_message_ids()] == ["sent"]
    (email,) = mail.outbox
    assert email.to == ["guest@example.com"] and "Guest teapot" in email.body
    assert "List-Unsubscribe" in email.extra_headers

    # The guest orders: the basket is submitted, the second reminder never comes.
    Basket = get_model("basket", "Basket")
    Basket.objects.filter(pk=link.basket_id).update(status=Basket.SUBMITTED)
    get_model("basket", "Line").objects.update(date_updated=timezone.now() - timedelta(days=2))
    assert services.scan_abandoned_baskets() == 0


def test_a_guest_without_the_box_ticked_is_linked_but_never_emailed(flows, client):
    guest_at_gateway(client, "quiet@example.com", consent=False)
    assert GuestBasket.objects.filter(email="quiet@example.com").exists()
    assert not has_consent("marketing_email", email="quiet@example.com")
    assert services.scan_abandoned_baskets() == 0
    assert Message.objects.count() == 0


def test_a_guest_who_withdrew_consent_later_is_not_reminded(flows, client):
    from ecrm_oscar.privacy.services import record_consent

    guest_at_gateway(client, "changed@example.com", consent=True)
    record_consent("marketing_email", False, source="preferences", email="changed@example.com")
    assert services.scan_abandoned_baskets() == 0


def test_bad_input_links_nothing(flows):
    Basket = get_model("basket", "Basket")
    basket = Basket.objects.create()
    assert services.link_guest_basket(basket, "not-an-address", consent=True) is False
    assert services.link_guest_basket(None, "ok@example.com") is False
    assert GuestBasket.objects.count() == 0 and ConsentRecord.objects.count() == 0
    assert services.link_guest_basket(basket, "ok@example.com") is True
    assert services.link_guest_basket(basket, "new@example.com") is True  # changed address
    assert GuestBasket.objects.get().email == "new@example.com"


def test_a_guest_message_to_a_deleted_basket_is_cancelled(flows, client):
    guest_at_gateway(client, "gone@example.com", consent=True)
    services.scan_abandoned_baskets()
    get_model("basket", "Basket").objects.all().delete()
    assert [services.send_message(pk) for pk in services.due_message_ids()] == [
        MessageStatus.CANCELLED
    ]
    assert mail.outbox == []

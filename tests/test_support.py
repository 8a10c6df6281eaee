"""Slice 4: support cases (ecrm_oscar.support): shopper pages, dashboard, emails, timeline."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from ecrm_oscar.support import services
from ecrm_oscar.support.models import CaseMessage, SupportCase
from ecrm_oscar.testing.factories import create_customer
from ecrm_oscar.tracking.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper():
    return create_customer(email="shopper@example.com", password="pw")


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("staff", "staff@example.com", "pw", is_staff=True)


# A browser's user agent: the tracking gate never records clients that look like bots.
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"


def _login(user):
    client = Client(HTTP_USER_AGENT=BROWSER_UA)
    client.force_login(user)
    return client


@override_settings(ECRM_SUPPORT_EMAIL="support@example.com")
def test_shopper_opens_a_case_about_an_order(shopper, django_capture_on_commit_callbacks):
    from oscar.test.factories import create_order

    order = create_order(user=shopper)
    client = _login(shopper)
    assert f"{order.number}" in client.get(reverse("ecrm:support-new")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("ecrm:support-new"),
            {"subject": "Parcel missing", "body": "Where is it?", "order": order.pk},
        )
    case = SupportCase.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{case.number}/")
    assert (case.user, case.order, case.status) == (shopper, order, "new")
    assert case.messages.get().body == "Where is it?"
    # confirmation to the shopper, announcement to the support address
    assert sorted(m.to[0] for m in mail.outbox) == ["shopper@example.com", "support@example.com"]
    # the case is on the customer's timeline
    event = Event.objects.get(type="support_case")
    assert (event.user, event.order, event.payload["action"]) == (shopper, order, "opened")


def test_another_shoppers_order_cannot_be_attached(shopper):
    from oscar.test.factories import create_order

    other = create_customer(email="other@example.com")
    order = create_order(user=other)
    response = _login(shopper).post(
        reverse("ecrm:support-new"), {"subject": "x", "body": "y", "order": order.pk}
    )
    assert response.status_code == 200 and "order" in response.context["form"].errors
    assert not SupportCase.objects.exists()


def test_another_shoppers_case_is_404(shopper):
    other = create_customer(email="other@example.com")
    case = services.open_case(subject="Mine", body="private", user=other)
    client = _login(shopper)
    assert client.get(reverse("ecrm:support-detail", args=[case.number])).status_code == 404
    assert (
        client.post(reverse("ecrm:support-detail", args=[case.number]), {"body": "hi"}).status_code
        == 404
    )
    assert "Mine" not in client.get(reverse("ecrm:support-list")).content.decode()
    assert CaseMessage.objects.count() == 1
    # anonymous visitors are sent to log in
    assert Client().get(reverse("ecrm:support-list")).status_code == 302


def test_messages_both_ways_with_status_and_emails(
    shopper, staff, django_capture_on_commit_callbacks
):
    case = services.open_case(subject="Broken mug", body="It arrived broken.", user=shopper)
    mail.outbox.clear()
    staff_client = _login(staff)
    url = reverse("ecrm_support_dashboard:ecrm-support-case-detail", args=[case.pk])
    assert "It arrived broken." in staff_client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url, {"reply": "1", "body": "Sorry! A new one is on its way."})
    case.refresh_from_db()
    assert (case.status, case.assigned_to) == ("waiting", staff)
    assert mail.outbox[-1].to == ["shopper@example.com"]
    assert "A new one is on its way." in mail.outbox[-1].body

    shopper_client = _login(shopper)
    detail = reverse("ecrm:support-detail", args=[case.number])
    html = shopper_client.get(detail).content.decode()
    assert "Sorry! A new one is on its way." in html and "Waiting on customer" in html
    shopper_client.post(detail, {"body": "Thanks <script>x</script>"})
    case.refresh_from_db()
    assert case.status == "open"
    assert "<script>x" not in shopper_client.get(detail).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url, {"update": "1", "status": "solved", "assigned_to": staff.pk})
    case.refresh_from_db()
    assert case.status == "solved" and case.solved_at is not None
    assert "solved" in mail.outbox[-1].subject
    actions = list(
        Event.objects.filter(type="support_case")
        .order_by("id")
        .values_list("payload__action", flat=True)
    )
    assert actions == ["opened", "staff_replied", "customer_replied", "solved"]


def test_dashboard_needs_staff_and_lists_filters(shopper, staff):
    services.open_case(subject="Open one", body="a", user=shopper)
    solved = services.open_case(subject="Done one", body="b", user=shopper)
    services.update(solved, status="solved")
    url = reverse("ecrm_support_dashboard:ecrm-support-case-list")
    assert _login(shopper).get(url).status_code in (302, 403)
    html = _login(staff).get(url).content.decode()
    assert "Open one" in html and "Done one" not in html
    html = _login(staff).get(url, {"status": "solved"}).content.decode()
    assert "Done one" in html and "Open one" not in html
    # the navigation entry is shown to staff
    assert "Support cases" in _login(staff).get(reverse("dashboard:index")).content.decode()


def test_honeypot_and_rate_limit(shopper):
    client = _login(shopper)
    response = client.post(
        reverse("ecrm:support-new"), {"subject": "s", "body": "b", "website": "http://spam"}
    )
    assert response.status_code == 200 and not SupportCase.objects.exists()
    with override_settings(ECRM_SUPPORT_CASES_PER_HOUR=2):
        for _ in range(3):
            client.post(reverse("ecrm:support-new"), {"subject": "s", "body": "b"})
    assert SupportCase.objects.count() == 2


def test_anonymous_visitor_needs_an_email(client):
    response = client.post(reverse("ecrm:support-new"), {"subject": "s", "body": "b"})
    assert "email" in response.context["form"].errors
    client.post(
        reverse("ecrm:support-new"), {"subject": "s", "body": "b", "email": "a@example.com"}
    )
    assert SupportCase.objects.get().customer_email == "a@example.com"


@override_settings(ECRM_SUPPORT_EMAIL="support@example.com", OSCAR_URL_SCHEMA="https")
def test_emails_link_to_the_shop_with_its_domain(shopper, django_capture_on_commit_callbacks):
    import re

    from django.contrib.sites.models import Site

    Site.objects.update(domain="shop.example.org")
    with django_capture_on_commit_callbacks(execute=True):
        case = services.open_case(subject="Broken mug", body="It arrived broken.", user=shopper)
    customer = next(m for m in mail.outbox if m.to == ["shopper@example.com"])
    staff = next(m for m in mail.outbox if m.to == ["support@example.com"])
    assert f"https://shop.example.org/ecrm/support/{case.number}/" in customer.body
    assert f"https://shop.example.org/dashboard/support/{case.pk}/" in staff.body
    for message in (customer, staff):  # every link is absolute: no bare path left
        assert not re.search(r"(^|\s)/(ecrm|dashboard)/", message.body)


def test_absolute_urls_fall_back_to_the_wagtail_site():
    from django.contrib.sites.models import Site
    from wagtail.models import Site as WagtailSite

    Site.objects.update(domain="")
    root_url = WagtailSite.objects.get(is_default_site=True).root_url
    assert root_url.startswith("http")
    assert services.absolute_url("/ecrm/support/X/") == f"{root_url}/ecrm/support/X/"
    assert services.absolute_url("") == ""


@override_settings(ECRM_SUPPORT_EMAIL="support@example.com")
def test_customer_emails_in_the_language_they_wrote_in(shopper, django_capture_on_commit_callbacks):
    from django.utils import translation

    with translation.override("fa"), django_capture_on_commit_callbacks(execute=True):
        case = services.open_case(subject="لیوان شکسته", body="شکسته رسید.", user=shopper)
    assert case.context["language"] == "fa"
    customer = next(m for m in mail.outbox if m.to == ["shopper@example.com"])
    staff = next(m for m in mail.outbox if m.to == ["support@example.com"])
    assert customer.subject == f"پرسش شما را دریافت کردیم (درخواست {case.number})"
    assert "از تماس شما سپاسگزاریم" in customer.body
    assert staff.subject.endswith(f"New support case #{case.number}: لیوان شکسته")
    mail.outbox.clear()
    with translation.override("th"), django_capture_on_commit_callbacks(execute=True):
        services.update(case, status="solved")  # a later event: still the case's language
    assert mail.outbox[0].subject == f"درخواست {case.number} حل شد"

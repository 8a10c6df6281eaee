"""Every automation flow end to end through the real broker and worker (pass 2).

Each of the six flows is triggered the way the shop triggers it (a registration with the
consent box, an idle basket, product pages viewed, a birthday entered on the loyalty
page, an overdue customer profile, an order set to "Complete"); the worker scans and
sends, writing the emails to files (``ECRM_TEST_EMAIL_FILE_PATH``, tests/settings.py)
that the test reads. Then the links of those emails are followed with the test client
(unsubscribe, a survey score, a click followed by an order) and the dashboard pages are
read. Nothing waits for a fixed time: every wait polls for its outcome, with a timeout.
"""

from __future__ import annotations

import email
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from email import policy
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from oscar.core.loading import get_class, get_model

from ecrm_oscar.automation import tasks
from ecrm_oscar.automation.abstract_models import FlowKind, MessageStatus
from ecrm_oscar.automation.defaults import ensure_defaults
from ecrm_oscar.automation.models import Flow, Message, SurveyResponse
from ecrm_oscar.core.tasks import enqueue
from ecrm_oscar.privacy.models import ConsentRecord
from ecrm_oscar.privacy.services import has_consent, record_consent
from ecrm_oscar.testing.factories import create_customer, create_product, create_purchase
from tests.integration.waiting import wait_until as wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TIMEOUT = 60.0
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # Django's file-based backend ends every message so
LINK = re.compile(r"https?://[^\s\"'<>]+")


@dataclass
class Mail:
    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str]

    def links(self, kind: str) -> list[str]:
        """Paths of this email's ``/ecrm/a/<kind>/`` links (text part), in order."""
        paths = [urlsplit(url).path for url in LINK.findall(self.text)]
        return [path for path in paths if path.startswith(f"/ecrm/a/{kind}/")]


def read_mails(directory: Path) -> list[Mail]:
    """Every complete message the worker wrote (a file being written may end mid-message:
    only the parts followed by the separator are read)."""
    mails = []
    for path in sorted(directory.glob("*.log")):
        for raw in path.read_bytes().split(SEPARATOR)[:-1]:
            parsed = email.message_from_bytes(raw.lstrip(b"\n"), policy=policy.default)
            text = parsed.get_body(preferencelist=("plain",))
            html = parsed.get_body(preferencelist=("html",))
            mails.append(
                Mail(
                    to=str(parsed["To"]),
                    subject=str(parsed["Subject"]),
                    text=text.get_content() if text is not None else "",
                    html=html.get_content() if html is not None else "",
                    headers={key: str(value).strip() for key, value in parsed.items()},
                )
            )
    return mails


def wait_until(check, worker, what: str):
    """The shared wait, with this test's longer timeout (six flows at once)."""
    return wait_for(check, worker, what, timeout=TIMEOUT)


def mail_to(worker, address: str, subject: str) -> Mail:
    """Wait for the worker's email to ``address`` whose subject contains ``subject``."""

    def found():
        matches = [
            m for m in read_mails(worker.email_dir) if m.to == address and subject in m.subject
        ]
        return matches[0] if len(matches) == 1 else None

    return wait_until(found, worker, f"No email {subject!r} to {address}")


def consenting(address: str, **fields):
    user = create_customer(email=address, **fields)
    record_consent("marketing_email", True, source="registration", user=user)
    return user


def logged_in(user) -> Client:
    client = Client(HTTP_USER_AGENT=BROWSER_UA)
    client.force_login(user)
    return client


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_every_flow_sends_through_the_worker_and_its_links_work(celery_worker, published):
    from ecrm_oscar.customers.models import CustomerProfile
    from ecrm_oscar.tracking.models import Event

    ensure_defaults()
    Flow.objects.update(enabled=True)
    flows = {flow.kind: flow for flow in Flow.objects.all()}
    assert not any(flow.holdout_percent for flow in flows.values())  # everyone is emailed
    now = timezone.now()

    # Welcome series: Oscar's registration page with the consent box ticked.
    visitor = Client(HTTP_USER_AGENT=BROWSER_UA)
    response = visitor.post(
        "/accounts/register/",
        {
            "email": "walk-welcome@example.com",
            "password1": "a-Long-pass-1234",
            "password2": "a-Long-pass-1234",
            "ecrm_marketing_consent": "on",
        },
    )
    assert response.status_code == 302
    assert "ecrm.automation.trigger_welcome" in published.names

    # Abandoned basket: a basket whose lines were last touched five hours ago.
    ann = consenting("walk-basket@example.com", first_name="Ann")
    teapot = create_product(title="Walk teapot", price="24.00")
    Basket = get_model("basket", "Basket")
    basket = Basket.objects.create(owner=ann)
    basket.strategy = get_class("partner.strategy", "Default")()
    basket.add_product(teapot, 2)
    basket.lines.update(date_updated=now - timedelta(hours=5))

    # Browse abandonment: three product pages seen (tracked), three hours ago.
    bob = consenting("walk-browse@example.com")
    lamps = [create_product(title=f"Walk lamp {n}") for n in range(3)]
    browser = logged_in(bob)
    for lamp in lamps:
        assert browser.get(lamp.get_absolute_url()).status_code == 200
    views = Event.objects.filter(user=bob, type="product_viewed")
    assert views.count() == 3
    views.update(created_at=now - timedelta(hours=3))

    # Birthday: entered on the loyalty account page.
    cara = consenting("walk-birthday@example.com")
    # The worker's scan must see the same local date: not across midnight.
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    to_midnight = (midnight + timedelta(days=1) - timezone.localtime()).total_seconds()
    if to_midnight < 120:
        time.sleep(to_midnight + 1)
    today = timezone.localdate()
    birthday = f"{today.year - 30}-{today:%m-%d}" if f"{today:%m-%d}" != "02-29" else "1992-02-29"
    response = logged_in(cara).post("/ecrm/loyalty/account/", {"birthday": birthday})
    assert response.status_code == 302

    # Win-back: a customer whose next order was expected ten days ago.
    dan = consenting("walk-winback@example.com")
    CustomerProfile.objects.create(
        user=dan,
        orders_count=3,
        last_order_at=now - timedelta(days=90),
        next_order_expected_at=now - timedelta(days=10),
        as_of=now,
    )

    for scan in (
        tasks.scan_abandoned_baskets,
        tasks.scan_browse_abandonment,
        tasks.scan_birthdays,
        tasks.scan_win_back,
    ):
        assert enqueue(scan)

    # Post-purchase survey: an order reaches "Complete"; its email is due 24 h later.
    eve = consenting("walk-survey@example.com")
    order = create_purchase(eve, [(create_product(title="Walk kettle"), 1)])
    for status in ("Being processed", "Shipped", "Complete"):
        order.set_status(status)
    survey = wait_until(
        lambda: Message.objects.filter(flow__kind=FlowKind.POST_PURCHASE_SURVEY).first(),
        celery_worker,
        "No survey message",
    )
    assert survey.status == MessageStatus.QUEUED and survey.scheduled_at > timezone.now()
    call_command("ecrm_automation_run", "--flow", "post_purchase_survey", "--advance", "25")

    # The emails, as the worker wrote them.
    welcome = mail_to(celery_worker, "walk-welcome@example.com", "Welcome to")
    basket_mail = mail_to(celery_worker, ann.email, "You left something in your basket")
    browse = mail_to(celery_worker, bob.email, "Still interested?")
    greeting = mail_to(celery_worker, cara.email, "Happy birthday!")
    win_back = mail_to(celery_worker, dan.email, "We miss you")
    survey_mail = mail_to(celery_worker, eve.email, f"How was your order {order.number}?")

    for sent in (welcome, basket_mail, browse, greeting, win_back, survey_mail):
        assert len(sent.links("u")) == 1  # unsubscribe in the body …
        assert sent.headers["List-Unsubscribe"].startswith("<http")  # … and in the header
        assert sent.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "/ecrm/a/o/" in sent.html  # the open pixel
    assert "Hello Ann" in basket_mail.text and "Walk teapot × 2" in basket_mail.text
    assert "Back to your basket: http" in basket_mail.text
    assert all(f"Walk lamp {n}" in browse.text for n in range(3))
    assert "It has been a while since your last order" in win_back.text
    assert len(survey_mail.links("s")) == 11  # one link per score, 0 to 10

    # Unsubscribe from the welcome email: consent becomes "no", and the second welcome
    # email (due 72 h later) is not sent when its time comes.
    shopper = Client(HTTP_USER_AGENT=BROWSER_UA)
    response = shopper.get(welcome.links("u")[0])
    assert response.status_code == 200
    newcomer = get_user_model().objects.get(email="walk-welcome@example.com")
    assert not has_consent("marketing_email", user=newcomer)
    assert ConsentRecord.objects.filter(user=newcomer).latest("created_at").source == (
        "unsubscribe"
    )
    call_command("ecrm_automation_run", "--flow", "welcome", "--advance", "73")
    second = Message.objects.get(flow__kind=FlowKind.WELCOME, step__position=2)
    wait_until(
        lambda: Message.objects.filter(pk=second.pk, status=MessageStatus.CANCELLED).exists(),
        celery_worker,
        "The second welcome email was not cancelled",
    )
    assert Message.objects.get(pk=second.pk).error == "no marketing consent"
    assert [m.subject for m in read_mails(celery_worker.email_dir) if m.to == newcomer.email] == [
        welcome.subject
    ]

    # The survey: one click on a score records it; a comment can follow.
    score_9 = survey_mail.links("s")[9]
    assert shopper.get(score_9).status_code == 200
    answer = SurveyResponse.objects.get(message__flow__kind=FlowKind.POST_PURCHASE_SURVEY)
    assert answer.score == 9
    assert shopper.post(score_9, {"comment": "Quick delivery"}).status_code == 200

    # A click on the basket email's link, then an order: the click and the conversion
    # are recorded (the order's attribution runs in the worker).
    clicked = Message.objects.get(flow__kind=FlowKind.ABANDONED_BASKET)
    back = re.search(r"Back to your basket: (\S+)", basket_mail.text).group(1)
    assert path_of(back).startswith("/ecrm/a/c/")
    response = shopper.get(path_of(back))
    assert response.status_code == 302 and "/ecrm/a/b/" in response["Location"]
    clicked.refresh_from_db()
    assert clicked.clicked_at is not None and clicked.opened_at is not None
    purchase = create_purchase(ann, [(teapot, 2)])
    wait_until(
        lambda: Message.objects.filter(pk=clicked.pk, converted_at__isnull=False).exists(),
        celery_worker,
        "The order was not attributed to the clicked email",
    )
    pixel = re.search(r"https?://[^\s\"']+/ecrm/a/o/[^\s\"']+", welcome.html).group(0)
    assert shopper.get(path_of(pixel)).status_code == 200

    # The dashboard shows the results per flow.
    staff = logged_in(create_customer(email="walk-staff@example.com", is_staff=True))
    response = staff.get("/dashboard/automation/")
    assert response.status_code == 200
    results = {flow.kind: figures for flow, figures in response.context["rows"]}
    assert {kind: figures.sent for kind, figures in results.items()} == dict.fromkeys(
        FlowKind.values, 1
    )
    basket_results = results[FlowKind.ABANDONED_BASKET]
    assert (basket_results.opened, basket_results.clicked, basket_results.conversions) == (
        1,
        1,
        1,
    )
    assert basket_results.revenue == purchase.total_incl_tax > Decimal(0)
    assert results[FlowKind.WELCOME].opened == 1
    assert results[FlowKind.POST_PURCHASE_SURVEY].clicked == 1  # the score link
    page = response.content.decode()
    assert str(purchase.total_incl_tax) in page

    detail = staff.get(f"/dashboard/automation/flows/{flows[FlowKind.ABANDONED_BASKET].pk}/")
    assert detail.status_code == 200
    figures = detail.context["results"]
    assert (figures.sent, figures.open_rate, figures.click_rate, figures.conversions) == (
        1,
        100.0,
        100.0,
        1,
    )
    nps = staff.get("/dashboard/automation/nps/")
    assert nps.status_code == 200
    assert "Quick delivery" in nps.content.decode()

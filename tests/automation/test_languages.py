"""The shopper's automation pages and emails in Thai and Persian (right to left)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from ecrm_oscar.automation import content, services
from ecrm_oscar.automation.abstract_models import FlowKind
from ecrm_oscar.automation.models import Message
from ecrm_oscar.privacy.services import has_consent
from ecrm_oscar.testing.factories import create_customer, create_product
from tests.automation.conftest import consenting_customer, open_basket

pytestmark = pytest.mark.django_db


def in_language(language: str, url: str) -> str:
    """/th/... or /fa/... for a path the email links to without a prefix (i18n_patterns)."""
    return f"/{language}{url.replace('http://testserver', '')}"


def test_preferences_page_in_thai(client, db):
    user = create_customer(password="pw-12345678")
    client.force_login(user)
    with translation.override("th"):
        url = reverse("ecrm:automation-preferences")
    assert url.startswith("/th/")
    html = client.get(url).content.decode()
    assert "การตั้งค่าอีเมล" in html and "Email preferences" not in html  # title and tab
    assert "ส่งข้อเสนอ การแจ้งเตือน และข่าวสารให้ฉันทางอีเมล" in html
    assert "Send me offers" not in html
    assert f"การตั้งค่าสำหรับ {user.email}" in html and "Preferences for" not in html
    assert 'dir="ltr"' in html and 'dir="rtl"' not in html
    assert 'type="submit">บันทึก</button>' in html
    response = client.post(url, {"marketing_email": "on"}, follow=True)
    assert has_consent("marketing_email", user=user)
    html = response.content.decode()
    assert "บันทึกการตั้งค่าอีเมลของคุณแล้ว" in html and "were saved" not in html


def test_unsubscribe_and_preferences_by_link_in_persian_right_to_left(flows, client):
    message = Message.objects.create(
        key="guest", flow=flows[FlowKind.POST_PURCHASE_SURVEY], email="guest@example.com",
        trigger="order:1",
    )  # fmt: skip
    unsubscribe = in_language("fa", content.unsubscribe_url(message))
    preferences = in_language("fa", content.preferences_url(message))
    html = client.get(unsubscribe).content.decode()
    assert 'class="ecrm-page-direction" dir="rtl"' in html
    assert "اشتراک شما لغو شد" in html and "You are unsubscribed" not in html
    assert "اشتباه شد: دوباره مشترکم کنید" in html and "subscribe me again" not in html
    # the page's own links keep the shopper in Persian
    assert 'href="/fa/ecrm/a/preferences/' in html
    html = client.get(preferences).content.decode()
    assert "پیشنهادها، یادآوری‌ها و خبرها را برایم ایمیل کنید" in html
    assert "Send me offers" not in html and 'dir="rtl"' in html
    # "Save" has a context: Oscar's Persian catalogue, installed first, says "economise"
    assert 'type="submit">ذخیره</button>' in html and "صرفه جویی" not in html


def test_survey_page_and_bad_link_in_thai(flows, client):
    message = Message.objects.create(
        key="survey", flow=flows[FlowKind.POST_PURCHASE_SURVEY], email="ann@example.com",
        trigger="order:2",
    )  # fmt: skip
    html = client.get(in_language("th", content.survey_url(message, 8))).content.decode()
    assert "คุณให้คะแนน 8 จาก 10" in html and "You answered" not in html
    assert "มีอะไรอยากบอกเราไหม?" in html and "Anything you would like" not in html
    response = client.get("/th/ecrm/a/s/garbage/")
    assert response.status_code == 400
    html = response.content.decode()
    assert "ลิงก์นี้ใช้งานไม่ได้" in html and "This link does not work" not in html


def test_reminder_email_in_the_active_language(flows):
    """The email speaks the language active where it is sent (the project's LANGUAGE_CODE
    in the Celery worker): the file templates are translated, not stored wording."""
    user = consenting_customer(first_name="Sara")
    open_basket(user, [create_product(title="Green vase", price="20.00")])
    services.scan_abandoned_baskets()
    message = Message.objects.get()
    with translation.override("fa"):
        assert services.send_message(message.pk) == "sent"
    email = mail.outbox[0]
    assert email.subject == "چیزی در سبد خریدتان جا ماند"
    assert "سبد خرید شما منتظر شماست:" in email.body and "waiting for you" not in email.body
    assert "لغو اشتراک" in email.body and "Unsubscribe:" not in email.body
    html = email.alternatives[0][0]
    assert "بازگشت به سبد خرید" in html and "Back to your basket" not in html
    assert '<div dir="rtl">' in html and 'class="footer" dir="rtl"' in html


def test_automation_dashboard_in_persian(flows, client):
    """Staff reading Oscar's dashboard in Persian get the flows, a flow's page and the
    message log in Persian; the message log's "To" is the recipient, not a date."""
    user = consenting_customer()
    open_basket(user, [create_product(title="Green vase", price="20.00")])
    services.scan_abandoned_baskets()
    client.force_login(create_customer("staff@example.com", is_staff=True))
    html = client.get("/fa/dashboard/automation/").content.decode()
    assert "جریان‌های خودکار" in html and "Automation flows" not in html
    assert "سبد رهاشده" in html  # the flow's kind
    flow = flows[FlowKind.ABANDONED_BASKET]
    html = client.get(f"/fa/dashboard/automation/flows/{flow.pk}/").content.decode()
    assert "گروه کنترل: " in html and "Hold-out group" not in html
    html = client.get("/fa/dashboard/automation/messages/").content.decode()
    assert "<th>گیرنده</th>" in html and "<th>To</th>" not in html
    assert "<th>باز شده</th>" in html and "در صف" in html  # the column, a message's status

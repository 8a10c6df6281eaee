"""The shopper's "Your data" page in Persian (right to left) and Thai: the page, the
purposes, the consent history and the account tab all come from the privacy catalogue."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ecrm_oscar.privacy.services import record_consent
from ecrm_oscar.testing.factories import create_customer
from tests.tracking.conftest import BROWSER_UA

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper_client():
    user = create_customer(password="pw-12345678")
    record_consent("marketing_email", True, source="registration", user=user)
    record_consent("marketing_email", False, source="unsubscribe", user=user)
    client = Client(HTTP_USER_AGENT=BROWSER_UA)
    client.force_login(user)
    return client


def in_language(language: str, name: str) -> str:
    with translation.override(language):
        return reverse(name)


def test_your_data_page_in_persian_right_to_left(shopper_client):
    url = in_language("fa", "ecrm:privacy-account")
    assert url.startswith("/fa/")
    html = shopper_client.get(url).content.decode()
    assert 'class="ecrm-page-direction" dir="rtl"' in html
    assert "انتخاب‌های شما" in html and "Your choices" not in html
    assert "دریافت داده‌های من (JSON)" in html and "Download my data" not in html
    assert "ایمیل‌های تبلیغاتی" in html and "Marketing emails" not in html  # a purpose
    # the history names the purpose by its label and the source by its translated choice
    assert "زمانی که به ما گفتید" in html and "When you told us" not in html
    assert "<td>ایمیل‌های تبلیغاتی</td>" in html and "marketing_email" not in html
    assert "فرم ثبت‌نام" in html and "Registration form" not in html
    assert "پیوند لغو اشتراک" in html and "Unsubscribe link" not in html
    assert "پس گرفته شد" in html and "withdrawn" not in html
    assert "داده‌های شما</a>" in html and "Your data</a>" not in html  # the account tab


def test_your_data_page_in_thai_and_in_english(shopper_client):
    html = shopper_client.get(in_language("th", "ecrm:privacy-account")).content.decode()
    assert 'class="ecrm-page-direction" dir="ltr"' in html and 'dir="rtl"' not in html
    assert "ตัวเลือกของคุณ" in html and "Your choices" not in html
    assert "ประวัติการเข้าชม" in html and "Browsing history" not in html
    assert "<td>อีเมลการตลาด</td>" in html and "Marketing emails" not in html
    html = shopper_client.get(in_language("en-gb", "ecrm:privacy-account")).content.decode()
    assert "Your choices" in html and "<td>Marketing emails</td>" in html
    assert "انتخاب‌های شما" not in html


def test_refusal_to_erase_a_staff_account_speaks_the_staff_members_language():
    from ecrm_oscar.privacy.erasure import ErasureRefused, erase_customer

    colleague = create_customer("colleague@example.com", is_staff=True)
    with translation.override("fa"), pytest.raises(ErasureRefused) as refusal:
        erase_customer(colleague)
    assert str(refusal.value).startswith("حساب‌های کارمندان اینجا پاک نمی‌شوند")
    with pytest.raises(ErasureRefused, match="Staff accounts are not erased here"):
        erase_customer(colleague)

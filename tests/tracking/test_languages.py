"""The tracking app in Persian (right to left) and Thai: the shopper's consent banner under
/fa/ and /th/ (the demo's i18n_patterns) and the event labels of the owner's 360° page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ecrm_oscar.testing.factories import create_customer
from ecrm_oscar.tracking import event_types as T
from ecrm_oscar.tracking.abstract_models import Channel
from ecrm_oscar.tracking.models import Event
from tests.tracking.conftest import BROWSER_UA

pytestmark = pytest.mark.django_db

BANNER_FA = "اجازه می‌دهید به خاطر بسپاریم کدام محصولات و صفحه‌های این فروشگاه را می‌بینید؟"
BANNER_TH = "เราขอจดจำว่าคุณดูสินค้าและหน้าใดบ้างในร้านนี้ได้ไหม"


@pytest.fixture
def consent_mode(settings):
    settings.ECRM_TRACKING_MODE = "consent"


def in_language(language: str, product) -> str:
    with translation.override(language):
        return product.get_absolute_url()


def the_banner(html: str) -> str:
    start = html.index('<div class="ecrm-consent"')
    return html[start : html.index("</form>", start)]


def test_consent_banner_in_persian_right_to_left(consent_mode, product):
    client = Client(HTTP_USER_AGENT=BROWSER_UA)
    url = in_language("fa", product)
    assert url.startswith("/fa/")
    html = client.get(url).content.decode()
    banner = the_banner(html)
    assert 'aria-label="انتخاب حریم خصوصی"' in banner
    assert BANNER_FA in banner and "May we remember" not in banner
    assert "در هر صورت می‌توانید در فروشگاه بگردید و خرید کنید." in banner
    assert 'value="granted" class="btn btn-primary btn-sm">بله، به خاطر بسپارید</button>' in banner
    assert 'value="denied" class="btn btn-primary btn-sm">نه، ممنون</button>' in banner
    assert "Yes, remember" not in banner and "No, thanks" not in banner
    assert 'dir="rtl"' in html
    # answering brings the shopper back to the Persian page
    assert f'name="next" value="{url}"' in banner
    response = client.post("/ecrm/consent/", {"choice": "denied", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    assert 'id="ecrm-consent"' not in client.get(url).content.decode()


def test_consent_banner_in_thai(consent_mode, product):
    html = Client(HTTP_USER_AGENT=BROWSER_UA).get(in_language("th", product)).content.decode()
    banner = the_banner(html)
    assert BANNER_TH in banner and "May we remember" not in banner
    assert ">ได้ จดจำไว้</button>" in banner and ">ไม่ ขอบคุณ</button>" in banner
    assert 'aria-label="ตัวเลือกความเป็นส่วนตัว"' in banner


def test_event_labels_and_channels_on_the_360_page(client):
    customer = create_customer("ann@example.com")
    Event.objects.create(type=T.PRODUCT_VIEWED, user=customer)
    Event.objects.create(type=T.SUPPORT_CASE, user=customer, channel=Channel.DASHBOARD)
    client.force_login(create_customer("staff@example.com", is_staff=True))
    kwargs = {"pk": customer.pk}
    with translation.override("fa"):
        url = reverse("ecrm:dashboard:ecrm-customer-detail", kwargs=kwargs)
    html = client.get(url).content.decode()
    assert "<td>محصولی را دید</td>" in html and "Viewed a product" not in html
    assert "<td>درخواست پشتیبانی</td>" in html
    assert "<td>وب</td>" in html and "<td>پیشخوان</td>" in html
    with translation.override("th"):
        url = reverse("ecrm:dashboard:ecrm-customer-detail", kwargs=kwargs)
    html = client.get(url).content.decode()
    assert "<td>ดูสินค้า</td>" in html and "<td>เรื่องที่แจ้ง</td>" in html
    # the channel's own word, not Oscar's "Dashboard" (the site section) of its catalogue
    assert "<td>เว็บ</td>" in html and "<td>แดชบอร์ด</td>" in html

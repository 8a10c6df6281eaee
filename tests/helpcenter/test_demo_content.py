"""Slice 6: the demo help center content, in English, Persian (RTL) and Thai."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from ecrm_wagtail.helpcenter.models import HelpArticlePage, HelpCenterPage
from sandbox.demo.help_demo import load_help_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_help(db, django_capture_on_commit_callbacks):
    from wagtail.models import Site

    from ecrm_wagtail.helpcenter import content as c

    root = c.ensure_help_center(Site.objects.get(is_default_site=True).root_page)
    with django_capture_on_commit_callbacks(execute=True):
        created = load_help_demo(root)
    return root, created


def test_demo_content_is_complete_and_idempotent(demo_help):
    root, created = demo_help
    english = HelpArticlePage.objects.live().filter(locale__language_code="en-gb")
    assert english.count() >= 30 and created["articles"] == english.count()
    assert created["fa pages"] >= 5 and created["th pages"] >= 5
    assert not any(load_help_demo(root).values())  # second run: nothing


def test_persian_help_center_is_right_to_left_and_translated(client, demo_help):
    fa_root = HelpCenterPage.objects.get(locale__language_code="fa")
    assert fa_root.url == "/fa/help/"
    html = client.get("/fa/help/").content.decode()
    assert 'dir="rtl"' in html and "مرکز راهنما" in html and "ارسال" in html
    assert "پرسشی بپرسید" in html  # the UI strings are translated ("Ask a question")
    thai = client.get("/th/help/").content.decode()
    assert "ศูนย์ช่วยเหลือ" in thai and 'dir="ltr"' in thai and "ถามคำถาม" in thai


def test_search_is_per_language(client, demo_help):
    from ecrm_wagtail.helpcenter.search import search_articles

    fa_root = HelpCenterPage.objects.get(locale__language_code="fa")
    hits = search_articles("بازپرداخت", root=fa_root).hits
    assert hits and all(h.page.locale.language_code == "fa" for h in hits)
    assert hits[0].page.slug == "refund-time"
    th_root = HelpCenterPage.objects.get(locale__language_code="th")
    hits = search_articles("คืนเงิน", root=th_root).hits  # Thai has no spaces between words
    assert hits and all(h.page.locale.language_code == "th" for h in hits)
    en_root, _ = demo_help
    assert all(
        h.page.locale.language_code == "en-gb" for h in search_articles("refund", root=en_root).hits
    )


def test_command_needs_a_help_center(db):
    from django.core.management.base import CommandError

    HelpCenterPage.objects.all().delete()
    with pytest.raises(CommandError):
        call_command("ecrm_load_help_demo")

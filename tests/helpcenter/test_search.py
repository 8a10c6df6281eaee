"""Slice 2: the search page, passages, synonyms, typo tolerance, promotions, bad input."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from ecrm_wagtail.helpcenter import content as c
from ecrm_wagtail.helpcenter import indexing, search
from ecrm_wagtail.helpcenter.models import (
    HelpPassage,
    HelpSearchLog,
    HelpSynonym,
    HelpTerm,
)
from ecrm_wagtail.helpcenter.text import highlight, normalise_query

pytestmark = pytest.mark.django_db


def _titles(html: str) -> list[str]:
    return re.findall(r'<a class="h5" href="[^"]+">([^<]+)</a>', html)


def test_search_page_finds_and_highlights(client, help_tree):
    response = client.get("/help/search/", {"q": "refund"})
    html = response.content.decode()
    assert response.status_code == 200
    assert _titles(html)[0] == "When will I get my refund?"
    assert "<mark>Refund</mark>s reach your card" in html or "<mark>Refunds</mark>" in html
    log = HelpSearchLog.objects.get()
    assert (log.query, log.results, log.source, log.language) == ("refund", 1, "search", "en-gb")


def test_passages_follow_publishing(help_tree, django_capture_on_commit_callbacks):
    assert HelpPassage.objects.filter(article=help_tree.tracking).count() >= 4
    faq = HelpPassage.objects.get(
        article=help_tree.tracking, heading="Where is my tracking number?"
    )
    assert faq.text == "In the dispatch email."
    assert HelpTerm.objects.get(language="en-gb", term="refunds").df == 1
    with django_capture_on_commit_callbacks(execute=True):
        help_tree.refunds.unpublish()
    assert not HelpPassage.objects.filter(article=help_tree.refunds).exists()
    assert not HelpTerm.objects.filter(term="refunds").exists()
    with django_capture_on_commit_callbacks(execute=True):
        help_tree.international.delete()
    assert not HelpTerm.objects.filter(term="abroad").exists()
    # the bulk rebuild gives the same vocabulary as the incremental updates
    before = sorted(HelpTerm.objects.values_list("language", "term", "df"))
    indexing.rebuild_index()
    assert sorted(HelpTerm.objects.values_list("language", "term", "df")) == before


def test_typo_tolerance(client, help_tree):
    html = client.get("/help/search/", {"q": "refnd"}).content.decode()
    assert "When will I get my refund?" in _titles(html)
    assert "Showing results for <em>refund</em>" in html


def test_editor_synonyms(client, help_tree):
    assert _titles(client.get("/help/search/", {"q": "money back"}).content.decode()) == []
    HelpSynonym.objects.create(terms="refund, money back, reimbursement")
    html = client.get("/help/search/", {"q": "money back"}).content.decode()
    assert _titles(html) == ["When will I get my refund?"]


def test_promoted_results_come_first(client, help_tree):
    from wagtail.contrib.search_promotions.models import Query, SearchPromotion

    query = Query.get("refund")
    SearchPromotion.objects.create(query=query, page=help_tree.international, sort_order=0)
    html = client.get("/help/search/", {"q": "Refund"}).content.decode()
    assert _titles(html)[:2] == ["Do you deliver abroad?", "When will I get my refund?"]
    assert "Recommended" in html


def test_logged_in_only_articles_need_a_login(client, help_tree):
    assert "Returning a member-only gift" not in _titles(
        client.get("/help/search/", {"q": "member gifts"}).content.decode()
    )
    client.force_login(get_user_model().objects.create_user("u", "u@example.com", "pw"))
    assert "Returning a member-only gift" in _titles(
        client.get("/help/search/", {"q": "member gifts"}).content.decode()
    )


BAD_INPUT = [
    "<b>refund</b>",
    "<script>alert('x')</script> refund",
    "refund'; DROP TABLE wagtailcore_page; --",
    '" OR 1=1 -- refund',
    "refund " * 2000,
    "x" * 10_000,
    "🎁🎁 refund 😀",
    "بازپرداخت پول ‏refund‎",
    "\x00\x1f refund",
    'AND OR NOT ( ) * " : ^',
    "คืนเงิน<script>alert('x')</script>",
    "เงิน" * 3_000,
]


@pytest.mark.parametrize("query", BAD_INPUT)
def test_bad_input_never_errors_or_echoes_markup(client, help_tree, query):
    response = client.get("/help/search/", {"q": query})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in html and "<b>refund</b>" not in html
    assert len(HelpSearchLog.objects.last().query) <= 200


def test_highlight_escapes_text_and_query():
    snippet = highlight("Use <b>gift</b> & wrap <script>x</script>", {"gift", "script"})
    assert snippet == (
        "Use &lt;b&gt;<mark>gift</mark>&lt;/b&gt; &amp; wrap "
        "&lt;<mark>script</mark>&gt;x&lt;/<mark>script</mark>&gt;"
    )
    assert normalise_query("  a\x00b   c ") == "a b c"


def test_search_service_without_words(help_tree):
    assert search.search_articles("!!! 🎁", root=help_tree.root).hits == []


def test_search_stays_within_its_help_center(help_tree, django_capture_on_commit_callbacks):
    from wagtail.models import Site

    other_root = c.ensure_help_center(
        Site.objects.get(is_default_site=True).root_page, title="Other", slug="other"
    )
    with django_capture_on_commit_callbacks(execute=True):
        other = c.ensure_category(other_root, "Misc")
        c.ensure_article(other, "Refund elsewhere", [c.text("<p>refund</p>")])
    titles = [h.page.title for h in search.search_articles("refund", root=help_tree.root).hits]
    assert "Refund elsewhere" not in titles and "When will I get my refund?" in titles


def test_reindex_command(help_tree):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("ecrm_help_reindex", stdout=out)
    assert f"Indexed {HelpPassage.objects.count()} passages." in out.getvalue()

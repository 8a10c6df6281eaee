"""The passage index's inverted rows and BM25 computed by the database (``ranking``)."""

from __future__ import annotations

import math

import pytest

from ecrm_wagtail.helpcenter import indexing, ranking, search
from ecrm_wagtail.helpcenter import text as textlib
from ecrm_wagtail.helpcenter.models import (
    HelpArticlePage,
    HelpPassage,
    HelpPassageTerm,
    visible_articles,
)

pytestmark = pytest.mark.django_db


def _python_bm25(weights: dict[str, float], language: str) -> dict[int, float]:
    """The same BM25 computed in Python from the passages' text, for comparison."""
    passages = list(HelpPassage.objects.filter(language=language).select_related("article"))
    total = len(passages)
    avgdl = sum(p.length for p in passages) / total
    counts = {
        p.pk: textlib.stem_counts(p.heading, p.text, p.terms, p.article.title) for p in passages
    }
    df = {s: sum(1 for c in counts.values() if s in c) for s in weights}
    scores = {}
    for p in passages:
        score = 0.0
        for stem, weight in weights.items():
            tf = counts[p.pk].get(stem, 0)
            if not tf:
                continue
            idf = math.log(1 + (total - df[stem] + 0.5) / (df[stem] + 0.5))
            norm = (
                tf
                * (ranking.K1 + 1)
                / (tf + ranking.K1 * (1 - ranking.B + ranking.B * p.length / avgdl))
            )
            score += weight * idf * norm
        if score:
            scores[p.pk] = score
    return scores


def test_sql_bm25_equals_the_formula(help_tree):
    weights = {"track": 1.0, "parcel": 1.0, "courier": 0.5}
    expected = _python_bm25(weights, "en-gb")
    articles = visible_articles(None, HelpArticlePage.objects.descendant_of(help_tree.root))
    ranked = ranking.best_passages(weights, "en-gb", articles=articles, limit=10)
    best_expected: dict[int, tuple[float, int]] = {}
    for pk, score in sorted(expected.items(), key=lambda item: (-item[1], item[0])):
        article = HelpPassage.objects.get(pk=pk).article_id
        best_expected.setdefault(article, (score, pk))
    # the member-only article (tag "courier") is not shown to anonymous visitors
    best_expected.pop(help_tree.members.pk, None)
    assert [r.article_id for r in ranked] == list(best_expected)
    for r in ranked:
        assert r.score == pytest.approx(best_expected[r.article_id][0], rel=1e-6)
        assert r.passage_id == best_expected[r.article_id][1]
    assert ranked[0].article_id == help_tree.tracking.pk


def test_index_rows_follow_the_passages(help_tree, django_capture_on_commit_callbacks):
    rows = HelpPassageTerm.objects.filter(article_id=help_tree.refunds.pk)
    assert set(rows.values_list("passage_id", flat=True)) == set(
        HelpPassage.objects.filter(article=help_tree.refunds).values_list("pk", flat=True)
    )
    # "refund": once in the passage heading (the title), once in the text ("Refunds"),
    # plus the title's weight; the tag adds nothing when the text has the word
    assert rows.get(stem="refund").tf == 2 + textlib.TITLE_WEIGHT
    with django_capture_on_commit_callbacks(execute=True):
        help_tree.refunds.unpublish()
    assert not rows.exists()
    with django_capture_on_commit_callbacks(execute=True):
        help_tree.international.delete()
    assert not HelpPassageTerm.objects.filter(article_id=help_tree.international.pk).exists()
    before = sorted(HelpPassageTerm.objects.values_list("passage_id", "stem", "tf"))
    indexing.rebuild_index()
    after = sorted(HelpPassageTerm.objects.values_list("stem", "tf"))
    assert after == sorted((stem, tf) for _, stem, tf in before)


def test_logged_in_only_passages_are_ranked_for_members(help_tree):
    articles = HelpArticlePage.objects.descendant_of(help_tree.root).live()
    weights = {"member": 1.0}
    assert ranking.best_passages(weights, "en-gb", articles=articles, limit=5) == []
    ranked = ranking.best_passages(weights, "en-gb", articles=articles, limit=5, public_only=False)
    assert [r.article_id for r in ranked] == [help_tree.members.pk]


def test_promotions_are_cached_and_refreshed_on_change(client, help_tree):
    from wagtail.contrib.search_promotions.models import Query, SearchPromotion

    first = search.search_articles("refund", root=help_tree.root).hits
    assert first[0].page.pk == help_tree.refunds.pk and not first[0].promoted
    promotion = SearchPromotion.objects.create(
        query=Query.get("refund"), page=help_tree.international, sort_order=0
    )
    hits = search.search_articles("refund", root=help_tree.root).hits
    assert hits[0].page.pk == help_tree.international.pk and hits[0].promoted
    promotion.delete()
    assert not search.search_articles("refund", root=help_tree.root).hits[0].promoted


def test_thai_words_are_bigrams_of_letters_with_their_marks():
    # a letter and its marks make one unit: คื น เ งิ น
    assert textlib.words("คืนเงิน") == ["คืน", "นเ", "เงิ", "งิน"]
    # \w alone would cut the word at its vowel signs
    assert "ค" not in textlib.words("คืนเงิน")
    assert textlib.words("Refund คืน") == ["refund", "คืน"]
    html = textlib.highlight("เราจะคืนเงินเข้าบัตร <b>", set(textlib.words("คืนเงิน")))
    assert html == "เราจะ<mark>คืนเงินเ</mark>ข้าบัตร &lt;b&gt;"  # matched bigrams, escaped


def test_search_page_asks_wagtail_search_with_an_external_backend(help_tree, monkeypatch):
    """With Elasticsearch/OpenSearch the search page goes through Wagtail search (here the
    database backend stands in for it), snippets still from the passage index."""
    assert ranking.uses_passage_ranking()  # the database backend of the tests
    monkeypatch.setattr(ranking, "uses_passage_ranking", lambda: False)
    hits = search.search_articles("refund", root=help_tree.root).hits
    assert hits[0].page.pk == help_tree.refunds.pk
    assert "<mark>Refunds</mark>" in str(hits[0].snippet)
    assert search.search_articles("efund", root=help_tree.root).hits  # substring fallback

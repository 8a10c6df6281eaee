"""Help center search: synonyms, typo correction, ranking, highlighted snippets.

Flow of :func:`search_articles`: normalise the input (cut at 200 characters, control
characters dropped) -> words -> words unknown to the vocabulary are corrected (pg_trgm
similarity on PostgreSQL, difflib on other databases) -> editor synonyms add words ->
ranking inside one help center and the visitor's visibility: with Wagtail's database
backend, BM25 over the passage index computed by the database (``ranking``); with
Elasticsearch/OpenSearch, Wagtail search (any of the words, by relevance) -> editor-promoted
pages first -> a highlighted excerpt of each article's best passage. Every piece of text on
the page is escaped; only ``<mark>`` is added.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.db.models.signals import post_delete, post_save
from wagtail.search.query import Or, PlainText

from ecrm_wagtail.helpcenter import ranking
from ecrm_wagtail.helpcenter import text as textlib
from ecrm_wagtail.helpcenter.models import (
    HelpArticlePage,
    HelpPassage,
    HelpPassageTerm,
    HelpSearchLog,
    HelpSynonym,
    HelpTerm,
    visible_articles,
)

SYNONYMS_CACHE_KEY = "ecrm:help:synonyms:{}"
VOCABULARY_CACHE_KEY = "ecrm:help:vocabulary:{}"
PROMOTIONS_CACHE_KEY = "ecrm:help:promotions"


@dataclass
class Expanded:
    """What a query becomes: its words, corrections and synonym words."""

    words: list[str]
    corrections: dict[str, str] = field(default_factory=dict)
    synonyms: list[str] = field(default_factory=list)

    @property
    def all_words(self) -> list[str]:
        seen: dict[str, None] = {}
        for word in [*(self.corrections.get(w, w) for w in self.words), *self.synonyms]:
            seen.setdefault(word, None)
        return list(seen)

    @property
    def stems(self) -> set[str]:
        return {textlib.stem(w) for w in self.all_words}

    @property
    def weights(self) -> dict[str, float]:
        """Stem -> BM25 weight: 1 for the query's words (typos corrected), 0.5 for synonyms."""
        weights: dict[str, float] = {}
        for word in [self.corrections.get(w, w) for w in self.words]:
            weights[textlib.stem(word)] = 1.0
        for word in self.synonyms:
            weights.setdefault(textlib.stem(word), 0.5)
        return weights


@dataclass
class Hit:
    page: HelpArticlePage
    snippet: str
    promoted: bool = False


@dataclass
class Results:
    query: str
    hits: list[Hit]
    expanded: Expanded

    @property
    def corrected_query(self) -> str:
        if not self.expanded.corrections:
            return ""
        return " ".join(self.expanded.corrections.get(w, w) for w in self.expanded.words)


# -- synonyms ---------------------------------------------------------------------------


def synonym_groups(language: str) -> list[list[str]]:
    """The editor's synonym groups for ``language`` (cached; cleared when one is saved)."""
    key = SYNONYMS_CACHE_KEY.format(language)
    groups = cache.get(key)
    if groups is None:
        groups = [
            [" ".join(textlib.words(term, stopwords=False)) for term in synonym.term_list()]
            for synonym in HelpSynonym.objects.filter(language__in=["", language])
        ]
        cache.set(key, groups, 600)
    return groups


def _forget_synonyms(**kwargs) -> None:
    from django.conf import settings

    cache.delete_many([SYNONYMS_CACHE_KEY.format(code) for code, _ in settings.LANGUAGES])


post_save.connect(_forget_synonyms, sender=HelpSynonym, dispatch_uid="ecrm_help_synonyms_save")
post_delete.connect(_forget_synonyms, sender=HelpSynonym, dispatch_uid="ecrm_help_synonyms_del")


def _synonym_words(words: list[str], language: str) -> list[str]:
    text = " " + " ".join(words) + " "
    stemmed = " " + " ".join(textlib.stem(w) for w in words) + " "
    extra: list[str] = []
    for group in synonym_groups(language):
        hit = any(
            f" {phrase} " in text
            or f" {' '.join(textlib.stem(w) for w in phrase.split())} " in stemmed
            for phrase in group
            if phrase
        )
        if hit:
            for phrase in group:
                extra.extend(w for w in phrase.split() if w not in textlib.STOPWORDS)
    return [w for w in extra if w not in words]


# -- typo correction ---------------------------------------------------------------------


def _vocabulary(language: str) -> list[str]:
    key = VOCABULARY_CACHE_KEY.format(language)
    words = cache.get(key)
    if words is None:
        words = list(HelpTerm.objects.filter(language=language).values_list("term", flat=True))
        cache.set(key, words, 300)
    return words


def closest_word(word: str, language: str) -> str | None:
    """The vocabulary word most like ``word`` (a typo's correction), or None."""
    if connection.vendor == "postgresql":
        from django.contrib.postgres.lookups import TrigramSimilar
        from django.contrib.postgres.search import TrigramSimilarity

        # "%" (pg_trgm) uses the GIN index of migration 0004; registered on this field only.
        HelpTerm._meta.get_field("term").register_lookup(TrigramSimilar)

        found = (
            HelpTerm.objects.filter(language=language, term__trigram_similar=word)
            .annotate(similarity=TrigramSimilarity("term", word))
            .order_by("-similarity", "-df")
            .values_list("term", flat=True)
            .first()
        )
        return found
    candidates = [
        w for w in _vocabulary(language) if abs(len(w) - len(word)) <= 2 and w[:1] == word[:1]
    ]
    found = difflib.get_close_matches(word, candidates, n=1, cutoff=0.75)
    return found[0] if found else None


def expand(query: str, language: str) -> Expanded:
    """Words of ``query``, typos corrected against the vocabulary, plus synonyms."""
    words = textlib.words(query)
    if len(words) > textlib.MAX_QUERY_TOKENS:  # Thai bigrams: a longer cap, still bounded
        limit = textlib.MAX_QUERY_TOKENS * (3 if textlib.unspaced(query) else 1)
        words = list(dict.fromkeys(words))[:limit]
    expanded = Expanded(words=words)
    if not words:
        return expanded
    known = set(
        HelpTerm.objects.filter(language=language, term__in=words).values_list("term", flat=True)
    )
    for word in words:
        if word in known or len(word) < 4 or word.isdigit() or word in expanded.corrections:
            continue
        if textlib.unspaced(word):  # a Thai bigram, not a word someone could mistype
            continue
        correction = closest_word(word, language)
        if correction and correction != word:
            expanded.corrections[word] = correction
    expanded.synonyms = _synonym_words([expanded.corrections.get(w, w) for w in words], language)
    return expanded


# -- search ------------------------------------------------------------------------------


def promotions() -> dict[str, list[int]]:
    """Editor-promoted pages by normalised query string (cached; cleared when one changes)."""
    found = cache.get(PROMOTIONS_CACHE_KEY)
    if found is None:
        from wagtail.contrib.search_promotions.models import SearchPromotion

        found = {}
        for query, page_id in (
            SearchPromotion.objects.filter(page__isnull=False)
            .order_by("sort_order", "pk")
            .values_list("query__query_string", "page_id")
        ):
            found.setdefault(query, []).append(page_id)
        cache.set(PROMOTIONS_CACHE_KEY, found, 600)
    return found


def forget_promotions(**kwargs) -> None:
    cache.delete(PROMOTIONS_CACHE_KEY)


def _promoted_pages(query: str, articles) -> list[HelpArticlePage]:
    if not apps.is_installed("wagtail.contrib.search_promotions") or not query:
        return []
    from wagtail.search.utils import normalise_query_string

    page_ids = promotions().get(normalise_query_string(query), [])
    if not page_ids:
        return []
    pages = {p.pk: p for p in articles.filter(pk__in=page_ids).defer("body")}
    return [pages[pk] for pk in page_ids if pk in pages]


def best_passages(page_ids: list[int], stems: set[str]) -> dict[int, HelpPassage]:
    """For each article, its passage sharing the most stems with the query (first wins);
    articles without such a passage are left out (their summary is shown)."""
    rows = (
        HelpPassageTerm.objects.filter(article_id__in=page_ids, stem__in=list(stems))
        .values("article_id", "passage_id")
        .annotate(shared=Count("id"))
        .order_by("-shared", "passage_id")
    )
    best: dict[int, int] = {}
    for row in rows:
        best.setdefault(row["article_id"], row["passage_id"])
    passages = HelpPassage.objects.only("article_id", "text").in_bulk(list(best.values()))
    return {pk: passages[passage] for pk, passage in best.items() if passage in passages}


def _wagtail_search(expanded: Expanded, articles, language: str, limit: int) -> list:
    """Articles from Wagtail's search backend (Elasticsearch/OpenSearch when configured)."""
    words = expanded.all_words
    search_query = Or([PlainText(w) for w in words]) if len(words) > 1 else PlainText(words[0])
    found = list(articles.defer("body").search(search_query, operator="or")[:limit])
    if not found:  # scripts without spaces (Thai) and partial words: substring fallback
        ranked = ranking.substring_passages(words, language, articles=articles, limit=limit)
        pages = articles.defer("body").in_bulk([r.article_id for r in ranked])
        found = [pages[r.article_id] for r in ranked if r.article_id in pages]
    return found


def search_articles(query: str, *, root, request=None, limit: int = 20) -> Results:
    """Articles of the help center ``root`` matching ``query``, best first, with snippets."""
    query = textlib.normalise_query(query)
    language = root.locale.language_code if root.locale_id else ""
    expanded = expand(query, language)
    if not expanded.words:
        return Results(query, [], expanded)
    articles = visible_articles(request, HelpArticlePage.objects.descendant_of(root))
    passages: dict[int, HelpPassage] = {}
    if ranking.uses_passage_ranking():
        user = getattr(request, "user", None)
        logged_in = bool(user is not None and user.is_authenticated)
        ranked = ranking.best_passages(
            expanded.weights, language, articles=articles, limit=limit, public_only=not logged_in
        )
        if not ranked:  # no stem of the query is indexed: substring match over passages
            ranked = ranking.substring_passages(
                expanded.all_words, language, articles=articles, limit=limit
            )
        pages = articles.defer("body").in_bulk([r.article_id for r in ranked])
        found = [pages[r.article_id] for r in ranked if r.article_id in pages]
        texts = HelpPassage.objects.only("article_id", "text").in_bulk(
            [r.passage_id for r in ranked]
        )
        passages = {p.article_id: p for p in texts.values()}
    else:
        found = _wagtail_search(expanded, articles, language, limit)
    promoted = _promoted_pages(query, articles)
    ordered = promoted + [p for p in found if p not in promoted]
    missing = [p.pk for p in ordered[:limit] if p.pk not in passages]
    if missing:
        passages.update(best_passages(missing, expanded.stems))
    marks = set(expanded.all_words) | expanded.stems
    hits = []
    for page in ordered[:limit]:
        passage = passages.get(page.pk)
        source = passage.text if passage else page.summary
        hits.append(Hit(page, textlib.highlight(source, marks), promoted=page in promoted))
    return Results(query, hits, expanded)


def log_search(query: str, *, language: str, results: int, source: str, request=None) -> None:
    """Remember a search for the editor reports (top searches, searches with no results)."""
    query = textlib.normalise_query(query).lower()
    if not query:
        return
    visitor = ""
    if request is not None:
        visitor = getattr(request, "ecrm_visitor_id", "") or (
            request.session.session_key or "" if hasattr(request, "session") else ""
        )
    HelpSearchLog.objects.create(
        query=query[:200], language=language, results=results, source=source, visitor=visitor[:64]
    )

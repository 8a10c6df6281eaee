"""BM25 over the passage index, computed by the database.

The assistant and (with Wagtail's database search backend) the search page rank passages
here. Each passage's stems and their counts are stored when it is indexed
(``HelpPassageTerm``), so a query reads only the index rows of its own stems, and the score
of every passage containing one of them is a single ``SUM(...) GROUP BY passage`` in SQL
(the same SQL on SQLite and PostgreSQL). Nothing is stemmed and no passage text is loaded
per query except the few passages that are quoted.

BM25 with k1 = 1.2, b = 0.75; document frequencies are the number of passages of the
language holding the stem; a query stem's weight (1 for the shopper's words, 0.5 for
synonyms) multiplies its IDF.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Avg, Case, Count, F, FloatField, Sum, Value, When
from django.db.models.functions import Cast
from wagtail.search.backends import get_search_backend

from ecrm_wagtail.helpcenter.indexing import STATS_CACHE_KEY
from ecrm_wagtail.helpcenter.models import HelpPassage, HelpPassageTerm, Visibility

K1, B = 1.2, 0.75
#: Passages scored per round; the next round is asked only when the visitor may not read
#: enough of them (other help centers of the same language, logged-in-only articles).
PASSAGES_PER_ROUND = 200


@dataclass(frozen=True)
class Ranked:
    """The best passage of one article and its score."""

    score: float
    article_id: int
    passage_id: int


def passage_stats(language: str) -> tuple[int, float]:
    """(number of passages, average passage length) of a language, cached until reindexing."""
    key = STATS_CACHE_KEY.format(language)
    stats = cache.get(key)
    if stats is None:
        row = HelpPassage.objects.filter(language=language).aggregate(
            n=Count("id"), avg=Avg("length")
        )
        stats = (row["n"] or 0, float(row["avg"] or 1.0))
        cache.set(key, stats, 300)
    return stats


def idf(stems: set[str], language: str, total: int) -> dict[str, float]:
    """BM25's inverse document frequency of each stem among the language's passages."""
    rows = (
        HelpPassageTerm.objects.filter(language=language, stem__in=stems)
        .values("stem")
        .annotate(df=Count("id"))
        .order_by()
    )
    df = {row["stem"]: min(row["df"], total) for row in rows}
    return {
        s: math.log(1 + (total - df.get(s, 0) + 0.5) / (df.get(s, 0) + 0.5))
        for s in stems
        if df.get(s)
    }


def _float(value: float) -> Cast:
    # a typed literal: PostgreSQL would otherwise compute in (slow) numeric
    return Cast(Value(value), FloatField())


def _score_expression(factors: dict[str, float], avgdl: float):
    weight = Case(
        *[When(stem=stem, then=_float(factor)) for stem, factor in factors.items()],
        default=_float(0.0),
        output_field=FloatField(),
    )
    tf = Cast("tf", FloatField())
    # tf·(k1+1) / (tf + k1·(1 − b + b·length/avgdl)), with (k1+1)·weight·idf in ``weight``
    return Sum(
        weight * tf / (tf + _float(K1 * (1 - B)) + _float(K1 * B / max(avgdl, 1e-9)) * F("length")),
        output_field=FloatField(),
    )


def best_passages(
    weights: dict[str, float], language: str, *, articles, limit: int, public_only: bool = True
) -> list[Ranked]:
    """The best passage of each of the ``limit`` best articles among ``articles`` (a page
    queryset of what the visitor may read), best first, for the weighted query stems."""
    total, avgdl = passage_stats(language)
    idfs = idf(set(weights), language, max(total, 1))
    if not idfs or limit <= 0:
        return []
    factors = {stem: weights[stem] * idfs[stem] * (K1 + 1) for stem in idfs}
    rows = HelpPassageTerm.objects.filter(language=language, stem__in=list(factors))
    if public_only:
        rows = rows.filter(visibility=Visibility.PUBLIC)
    rows = (
        rows.values("passage_id", "article_id")
        .annotate(score=_score_expression(factors, avgdl))
        .order_by("-score", "article_id", "passage_id")
    )
    best: dict[int, Ranked] = {}
    checked: dict[int, bool] = {}
    offset = 0
    while len([a for a in best if checked.get(a)]) < limit:
        batch = list(rows[offset : offset + PASSAGES_PER_ROUND])
        new = []
        for row in batch:
            if row["article_id"] not in best:
                best[row["article_id"]] = Ranked(row["score"], row["article_id"], row["passage_id"])
                new.append(row["article_id"])
        if new:
            allowed = set(articles.filter(pk__in=new).values_list("pk", flat=True))
            checked.update({a: a in allowed for a in new})
        if len(batch) < PASSAGES_PER_ROUND:
            break
        offset += PASSAGES_PER_ROUND
    found = [r for r in best.values() if checked.get(r.article_id)]
    return found[:limit]


def substring_passages(words: list[str], language: str, *, articles, limit: int) -> list[Ranked]:
    """Passages containing the query's longest words as substrings (part of a word, a
    word the vocabulary lacks), scored by how many they contain. Used when no stem of the
    query is in the index."""
    longest = sorted({w for w in words if len(w) >= 2}, key=len, reverse=True)[:3]
    if not longest:
        return []
    scores: dict[int, tuple[int, int, int]] = {}  # passage -> (hits, article, position)
    for word in longest:
        for pk, article_id, position in HelpPassage.objects.filter(
            language=language, text__icontains=word
        ).values_list("id", "article_id", "position")[:200]:
            hits = scores.get(pk, (0, article_id, position))[0] + 1
            scores[pk] = (hits, article_id, position)
    best: dict[int, Ranked] = {}
    for pk, (hits, article_id, _position) in sorted(
        scores.items(), key=lambda item: (-item[1][0], item[1][1], item[1][2])
    ):
        best.setdefault(article_id, Ranked(float(hits), article_id, pk))
    allowed = set(articles.filter(pk__in=list(best)).values_list("pk", flat=True))
    return [r for r in best.values() if r.article_id in allowed][:limit]


def uses_passage_ranking() -> bool:
    """True with Wagtail's database search backend (the default): the search page ranks
    with the passage index. With Elasticsearch/OpenSearch configured, the search page asks
    that backend instead (it ranks fast at any size)."""
    return ".database" in type(get_search_backend()).__module__

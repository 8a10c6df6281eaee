"""The help assistant: a shopper's question -> the best passages of the articles, quoted.

Retrieval runs on this machine only (no network, no downloaded model):

1. the question is normalised, typo-corrected and expanded with the editors' synonyms
   (``search.expand``);
2. Wagtail search picks candidate articles (any word, at most ``CANDIDATES``), plus a
   substring match over passages for scripts without spaces;
3. every passage of the candidates is scored with BM25 (k1=1.2, b=0.75), document
   frequencies from the vocabulary (``HelpTerm``) and the passage count of the language,
   words compared by stem; synonym words weigh half, the passage heading counts too;
4. the best passage per article, best articles first, are quoted (escaped, matches in
   ``<mark>``) with a link to the article.

For a logged-in shopper asking about their orders or points, answers from their account
come first: order status from Oscar, the loyalty balance when ``ecrm_oscar.loyalty`` is
installed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.db.models import Avg, Count, Sum
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from wagtail.search.query import Or, PlainText

from ecrm_wagtail.helpcenter import search
from ecrm_wagtail.helpcenter import text as textlib
from ecrm_wagtail.helpcenter.indexing import STATS_CACHE_KEY
from ecrm_wagtail.helpcenter.models import HelpArticlePage, HelpPassage, HelpTerm, visible_articles

CANDIDATES = 30
K1, B = 1.2, 0.75

ORDER_WORDS = {"order", "orders", "parcel", "package", "delivery", "delivered", "shipped"}
ORDER_WORDS |= {"dispatched", "arrive", "arrived", "status", "track", "tracking"}
ORDER_WORDS_OTHER_SCRIPTS = ("سفارش", "مرسوله", "คำสั่งซื้อ", "พัสดุ")
POINT_WORDS = {"points", "point", "loyalty", "balance", "rewards", "reward"}
POINT_WORDS_OTHER_SCRIPTS = ("امتیاز", "แต้ม", "คะแนน")
MINE = {"my", "mine", "i", "me", "i've", "ive"}


@dataclass
class Answer:
    article: HelpArticlePage
    heading: str
    quote: str
    score: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "article_id": self.article.pk,
            "title": self.article.title,
            "url": self.article.url,
            "heading": self.heading,
            "quote_html": str(self.quote),  # escaped; only <mark> added
            "score": round(self.score, 3),
        }


@dataclass
class Reply:
    question: str
    answers: list[Answer] = field(default_factory=list)
    account: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answers": [a.as_dict() for a in self.answers],
            "account": self.account,
        }


def _stats(language: str) -> tuple[int, float]:
    """(number of passages, average passage length) of a language, cached."""
    key = STATS_CACHE_KEY.format(language)
    stats = cache.get(key)
    if stats is None:
        row = HelpPassage.objects.filter(language=language).aggregate(
            n=Count("id"), avg=Avg("length")
        )
        stats = (row["n"] or 0, float(row["avg"] or 1.0))
        cache.set(key, stats, 300)
    return stats


def _idf(stems: set[str], language: str, total: int) -> dict[str, float]:
    rows = (
        HelpTerm.objects.filter(language=language, stem__in=stems)
        .values("stem")
        .annotate(df=Sum("df"))
        .order_by()
    )
    df = {row["stem"]: min(row["df"], total) for row in rows}
    return {s: math.log(1 + (total - df.get(s, 0) + 0.5) / (df.get(s, 0) + 0.5)) for s in stems}


def rank_passages(
    passages, weights: dict[str, float], idf: dict[str, float], avgdl: float
) -> list[tuple[float, HelpPassage]]:
    """BM25 of each passage for the weighted query stems, best first."""
    scored = []
    for passage in passages:
        counts: dict[str, int] = {}
        for word in textlib.words(f"{passage.heading} {passage.text}", stopwords=False):
            stem = textlib.stem(word)
            if stem in weights:
                counts[stem] = counts.get(stem, 0) + 1
        # title and tags (in ``terms``) count once each when not in the text
        for word in passage.terms.split():
            stem = textlib.stem(word)
            if stem in weights and stem not in counts:
                counts[stem] = 1
        if not counts:
            continue
        length = max(passage.length, 1)
        score = 0.0
        for stem, tf in counts.items():
            norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / avgdl))
            score += weights[stem] * idf.get(stem, 0.0) * norm
        scored.append((score, passage))
    scored.sort(key=lambda item: (-item[0], item[1].article_id, item[1].position))
    return scored


def find_answers(question: str, *, root, request=None, limit: int = 3) -> list[Answer]:
    """The best quoted passages (one per article) for ``question`` in help center ``root``."""
    language = root.locale.language_code if root.locale_id else ""
    expanded = search.expand(question, language)
    if not expanded.words:
        return []
    words = expanded.all_words
    articles = visible_articles(request, HelpArticlePage.objects.descendant_of(root))
    query = Or([PlainText(w) for w in words]) if len(words) > 1 else PlainText(words[0])
    ids = [page.pk for page in articles.search(query, operator="or")[:CANDIDATES]]
    if len(ids) < CANDIDATES:
        extra = search._substring_match(words, language)
        ids += [i for i in extra if i not in ids][: CANDIDATES - len(ids)]
    if not ids:
        return []
    weights: dict[str, float] = {}
    for word in [expanded.corrections.get(w, w) for w in expanded.words]:
        weights[textlib.stem(word)] = 1.0
    for word in expanded.synonyms:
        weights.setdefault(textlib.stem(word), 0.5)
    total, avgdl = _stats(language)
    idf = _idf(set(weights), language, max(total, 1))
    allowed = set(articles.filter(pk__in=ids).values_list("pk", flat=True))
    passages = HelpPassage.objects.filter(article_id__in=allowed).only(
        "article_id", "position", "heading", "text", "terms", "length"
    )
    best: dict[int, tuple[float, HelpPassage]] = {}
    for score, passage in rank_passages(passages, weights, idf, avgdl):
        best.setdefault(passage.article_id, (score, passage))
    top = sorted(best.values(), key=lambda item: -item[0])[:limit]
    pages = {p.pk: p for p in HelpArticlePage.objects.filter(pk__in=[p.article_id for _, p in top])}
    marks = set(words) | set(weights)
    return [
        Answer(pages[p.article_id], p.heading, textlib.highlight(p.text, marks, width=320), s)
        for s, p in top
        if p.article_id in pages
    ]


# -- answers from the shopper's account ----------------------------------------------------


def _mentions(question: str, words: set[str], other_scripts: tuple[str, ...]) -> bool:
    tokens = set(textlib.words(question, stopwords=False))
    return bool(tokens & words) or any(w in question for w in other_scripts)


def account_answers(question: str, user) -> list[str]:
    """Plain-text answers about the logged-in shopper's own orders and points."""
    if user is None or not user.is_authenticated:
        return []
    lines: list[str] = []
    if apps.is_installed("oscar.apps.order") and (
        _mentions(question, ORDER_WORDS, ORDER_WORDS_OTHER_SCRIPTS)
        or re.search(r"\d{4,}", question)
    ):
        lines.extend(_order_lines(question, user))
    if _mentions(question, POINT_WORDS, POINT_WORDS_OTHER_SCRIPTS):
        balance = loyalty_balance(user)
        if balance is not None:
            spendable, pending = balance
            lines.append(
                _("You have %(points)s points to spend.") % {"points": spendable}
                + (
                    " " + _("%(pending)s more are pending.") % {"pending": pending}
                    if pending
                    else ""
                )
            )
    return lines


def _order_lines(question: str, user) -> list[str]:
    from oscar.core.loading import get_model

    Order = get_model("order", "Order")
    orders = Order.objects.filter(user=user).order_by("-date_placed")
    numbers = re.findall(r"\d{4,}", question)
    if numbers:
        named = list(orders.filter(number__in=numbers)[:3])
        if named:
            orders_to_show = named
        else:
            return [_("None of your orders has the number %(number)s.") % {"number": numbers[0]}]
    else:
        orders_to_show = list(orders[:3])
    if not orders_to_show:
        return [_("You have no orders yet.")]
    return [
        _("Order %(number)s, placed on %(date)s: %(status)s.")
        % {
            "number": order.number,
            "date": date_format(order.date_placed, "DATE_FORMAT"),
            "status": order.status,
        }
        for order in orders_to_show
    ]


def loyalty_balance(user) -> tuple[int, int] | None:
    """(spendable, pending) points, or None when no loyalty app is installed."""
    if not apps.is_installed("ecrm_oscar.loyalty"):
        return None
    try:
        from ecrm_oscar.loyalty import services as loyalty
    except ImportError:
        return None
    account = loyalty.account_of(user)
    if account is None:
        return (0, 0)
    return (int(getattr(account, "balance", 0)), int(getattr(account, "pending", 0)))


def ask(question: str, *, root, request=None) -> Reply:
    question = textlib.normalise_query(question)
    reply = Reply(question=question)
    if not question:
        return reply
    reply.account = account_answers(question, getattr(request, "user", None))
    reply.answers = find_answers(question, root=root, request=request)
    return reply

"""The help assistant: a shopper's question -> the best passages of the articles, quoted.

Retrieval runs on this machine only (no network, no downloaded model):

1. the question is normalised, typo-corrected and expanded with the editors' synonyms
   (``search.expand``);
2. every passage holding one of the query's stems is scored with BM25 (k1=1.2, b=0.75)
   by the database from the stored stem counts (``ranking``): document frequencies and
   the passage count of the language, synonym words weigh half, the passage heading and
   the article's title and tags count too; when no stem matches (scripts without spaces,
   such as Thai) passages containing the query's words as substrings are taken;
4. the best passage per article, best articles first, are quoted (escaped, matches in
   ``<mark>``) with a link to the article.

For a logged-in shopper asking about their orders or points, answers from their account
come first: order status from Oscar, the loyalty balance when ``ecrm_oscar.loyalty`` is
installed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ecrm_wagtail.helpcenter import ranking, search
from ecrm_wagtail.helpcenter import text as textlib
from ecrm_wagtail.helpcenter.models import HelpArticlePage, HelpPassage, visible_articles

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


def find_answers(question: str, *, root, request=None, limit: int = 3) -> list[Answer]:
    """The best quoted passages (one per article) for ``question`` in help center ``root``."""
    language = root.locale.language_code if root.locale_id else ""
    expanded = search.expand(question, language)
    if not expanded.words:
        return []
    articles = visible_articles(request, HelpArticlePage.objects.descendant_of(root))
    weights = expanded.weights
    ranked = ranking.best_passages(
        weights, language, articles=articles, limit=limit, public_only=not _logged_in(request)
    )
    if not ranked:  # no stem of the question is indexed: substring match over passages
        ranked = ranking.substring_passages(
            expanded.all_words, language, articles=articles, limit=limit
        )
    if not ranked:
        return []
    passages = HelpPassage.objects.only("article_id", "heading", "text").in_bulk(
        [r.passage_id for r in ranked]
    )
    pages = HelpArticlePage.objects.defer("body").in_bulk([r.article_id for r in ranked])
    marks = set(expanded.all_words) | set(weights)
    return [
        Answer(
            pages[r.article_id],
            passages[r.passage_id].heading,
            textlib.highlight(passages[r.passage_id].text, marks, width=320),
            r.score,
        )
        for r in ranked
        if r.article_id in pages and r.passage_id in passages
    ]


def _logged_in(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


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

"""The passage index: live articles cut into paragraph-sized passages, plus a vocabulary.

Search snippets, typo correction and the assistant's answers read it. It is kept current by
``receivers`` (publish, unpublish, delete -> Celery task ``ecrm.helpcenter.index_article``)
and rebuilt in bulk by ``manage.py ecrm_help_reindex``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from html import unescape

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils.html import strip_tags

from ecrm_wagtail.helpcenter import text as textlib
from ecrm_wagtail.helpcenter.blocks import richtext_to_text
from ecrm_wagtail.helpcenter.models import (
    HelpArticlePage,
    HelpPassage,
    HelpPassageTerm,
    HelpTerm,
)

STATS_CACHE_KEY = "ecrm:help:passage-stats:{}"
_BLOCK_SPLIT = re.compile(r"(<h[1-6][^>]*>.*?</h[1-6]>|<p[^>]*>.*?</p>|<li[^>]*>.*?</li>)", re.S)
_HEADING = re.compile(r"^<h[1-6]")


@dataclass
class Piece:
    heading: str
    text: str


def _html_pieces(html: str, heading: str) -> list[Piece]:
    pieces: list[Piece] = []
    current = heading
    for part in _BLOCK_SPLIT.findall(html or ""):
        plain = " ".join(unescape(strip_tags(part)).split())
        if not plain:
            continue
        if _HEADING.match(part):
            current = plain
            continue
        if pieces and pieces[-1].heading == current and len(pieces[-1].text) < 160:
            pieces[-1].text += " " + plain  # keep tiny paragraphs and list items together
        else:
            pieces.append(Piece(current, plain))
    return pieces


def article_pieces(page: HelpArticlePage) -> list[Piece]:
    """The passages of an article, in reading order (title-level heading by default)."""
    pieces: list[Piece] = []
    if page.summary:
        pieces.append(Piece(page.title, page.summary))
    for block in page.body:
        kind, value = block.block_type, block.value
        if kind == "text":
            pieces.extend(_html_pieces(str(getattr(value, "source", value)), page.title))
        elif kind == "steps":
            lines = [
                f"{n}. {step['title']}"
                + (f" {richtext_to_text(step['text'])}" if step["text"] else "")
                for n, step in enumerate(value["steps"], 1)
            ]
            pieces.append(Piece(value["title"] or page.title, " ".join(lines)))
        elif kind == "callout":
            pieces.append(Piece(value["title"] or page.title, richtext_to_text(value["text"])))
        elif kind == "faq":
            for item in value["items"]:
                pieces.append(Piece(item["question"], richtext_to_text(item["answer"])))
        elif kind in ("image", "video") and value.get("caption"):
            pieces.append(Piece(page.title, value["caption"]))
    return [p for p in pieces if p.text.strip()]


def _language(page) -> str:
    return page.locale.language_code if page.locale_id else ""


def _passages(page: HelpArticlePage) -> list[HelpPassage]:
    language = _language(page)
    tag_words = " ".join(page.tags.values_list("name", flat=True))
    out = []
    for position, piece in enumerate(article_pieces(page)):
        # the title and tags count for every passage: they say what the article is about
        words = textlib.words(f"{page.title} {piece.heading} {piece.text} {tag_words}")
        passage = HelpPassage(
            article_id=page.pk,
            language=language,
            position=position,
            heading=piece.heading[:255],
            text=piece.text,
            terms=" " + " ".join(sorted(set(words))) + " ",  # as written
            length=len(words),
            visibility=page.visibility,
        )
        passage.article_title = page.title  # for the index rows (not a column)
        out.append(passage)
    return out


def postings(passages: Iterable[HelpPassage], titles: dict[int, str]) -> list[HelpPassageTerm]:
    """The inverted-index rows of saved passages (their ids are known); ``titles`` are
    their articles' titles by article id."""
    rows = []
    for passage in passages:
        counts = textlib.stem_counts(
            passage.heading, passage.text, passage.terms, titles.get(passage.article_id, "")
        )
        for stem, tf in counts.items():
            rows.append(
                HelpPassageTerm(
                    passage_id=passage.pk,
                    article_id=passage.article_id,
                    language=passage.language,
                    stem=stem[:60],
                    tf=tf,
                    length=max(passage.length, 1),
                    visibility=passage.visibility,
                )
            )
    return rows


def _save_passages(passages: list[HelpPassage]) -> None:
    titles = {p.article_id: getattr(p, "article_title", "") for p in passages}
    HelpPassage.objects.bulk_create(passages)
    if passages and passages[0].pk is None:  # a database that returns no ids from bulk inserts
        saved = HelpPassage.objects.filter(
            article_id__in={p.article_id for p in passages}
        ).order_by("article_id", "position")
        passages = list(saved)
    HelpPassageTerm.objects.bulk_create(postings(passages, titles), batch_size=5000)


def _term_counts(passages: Iterable[HelpPassage]) -> Counter:
    counts: Counter = Counter()
    for passage in passages:
        for term in passage.terms.split():
            counts[(passage.language, term)] += 1
    return counts


def _apply_df(delta: Counter) -> None:
    delta = Counter({k: v for k, v in delta.items() if v})
    if not delta:
        return
    by_language: dict[str, set[str]] = {}
    for language, term in delta:
        by_language.setdefault(language, set()).add(term)
    existing = set()
    for language, terms in by_language.items():
        existing |= {
            (language, t)
            for t in HelpTerm.objects.filter(language=language, term__in=terms).values_list(
                "term", flat=True
            )
        }
    HelpTerm.objects.bulk_create(
        [
            HelpTerm(language=lang, term=t[:60], stem=textlib.stem(t)[:60], df=n)
            for (lang, t), n in delta.items()
            if (lang, t) not in existing
        ],
        ignore_conflicts=True,
    )
    for (language, term), n in delta.items():
        if (language, term) in existing:
            HelpTerm.objects.filter(language=language, term=term).update(df=F("df") + n)
    HelpTerm.objects.filter(df__lte=0).delete()


def _forget_stats(languages: Iterable[str]) -> None:
    cache.delete_many([STATS_CACHE_KEY.format(language) for language in set(languages)])


@transaction.atomic
def index_article(page_id: int) -> int:
    """(Re)build the passages of one article; a page that is not live loses them."""
    old = list(HelpPassage.objects.filter(article_id=page_id).only("language", "terms"))
    page = HelpArticlePage.objects.filter(pk=page_id, live=True).first()
    new = _passages(page) if page is not None else []
    HelpPassageTerm.objects.filter(article_id=page_id).delete()
    HelpPassage.objects.filter(article_id=page_id).delete()
    _save_passages(new)
    delta = _term_counts(new)
    delta.subtract(_term_counts(old))
    _apply_df(delta)
    _forget_stats([p.language for p in old + new])
    return len(new)


def remove_article(page_id: int) -> None:
    """Drop an article's passages (it is being deleted)."""
    old = list(HelpPassage.objects.filter(article_id=page_id).only("language", "terms"))
    if not old:
        return
    delta: Counter = Counter()
    delta.subtract(_term_counts(old))
    with transaction.atomic():
        HelpPassageTerm.objects.filter(article_id=page_id).delete()
        HelpPassage.objects.filter(article_id=page_id).delete()
        _apply_df(delta)
    _forget_stats([p.language for p in old])


@transaction.atomic
def rebuild_index(batch_size: int = 500) -> int:
    """Rebuild every passage, its index rows and the vocabulary from the live articles."""
    HelpPassageTerm.objects.all().delete()
    HelpPassage.objects.all().delete()
    HelpTerm.objects.all().delete()
    counts: Counter = Counter()
    total = 0
    pages = HelpArticlePage.objects.live().select_related("locale").prefetch_related("tags")
    batch: list[HelpPassage] = []
    for page in pages.iterator(chunk_size=200):
        passages = _passages(page)
        counts.update(_term_counts(passages))
        batch.extend(passages)
        if len(batch) >= batch_size:
            _save_passages(batch)
            total += len(batch)
            batch = []
    _save_passages(batch)
    total += len(batch)
    HelpTerm.objects.bulk_create(
        [
            HelpTerm(language=lang, term=t[:60], stem=textlib.stem(t)[:60], df=n)
            for (lang, t), n in counts.items()
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )
    _forget_stats({lang for lang, _ in counts} | {""})
    return total

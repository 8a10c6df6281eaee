"""Tokenising, normalising and highlighting help center text (no database access)."""

from __future__ import annotations

import re
import unicodedata

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

#: Longest query kept (longer input is cut, never rejected).
MAX_QUERY_LENGTH = 200
#: Most tokens of a query that are looked up.
MAX_QUERY_TOKENS = 16

_TOKEN = re.compile(r"\w+", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Words too common to help ranking (English; Persian and Thai rely on BM25's IDF).
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "should",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "i'm",
        "im",
    ]
)


def normalise_query(raw: str | None) -> str:
    """Trim, drop control characters, collapse spaces and cut to ``MAX_QUERY_LENGTH``."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = _CONTROL.sub(" ", text[: MAX_QUERY_LENGTH * 4])
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def stem(token: str) -> str:
    """A light English suffix stemmer (plural, -ing, -ed), enough for help questions."""
    if not token.isascii() or len(token) <= 3:
        return token
    for suffix, keep in (
        ("ies", "y"),
        ("sses", "ss"),
        ("ing", ""),
        ("ed", ""),
        ("es", ""),
        ("s", ""),
    ):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            if suffix == "s" and token.endswith("ss"):
                return token
            return token[: len(token) - len(suffix)] + keep
    return token


def words(text: str, *, stopwords: bool = True) -> list[str]:
    """Lower-cased word tokens as written (letters and digits of any script)."""
    out = []
    for match in _TOKEN.finditer(text.lower()):
        token = match.group(0)[:60]
        if stopwords and token in STOPWORDS:
            continue
        out.append(token)
    return out


def tokens(text: str, *, stopwords: bool = True) -> list[str]:
    """Stemmed word tokens: what passages are matched on."""
    return [stem(word) for word in words(text, stopwords=stopwords)]


def highlight(text: str, words: set[str], *, width: int = 220) -> SafeString:
    """An escaped excerpt of ``text`` around the first query word, matches in ``<mark>``.

    Matching is done on the raw text and every piece is escaped on its own, so markup in
    the text or the query can never reach the page unescaped.
    """
    if not text:
        return mark_safe("")
    spans = []
    for match in _TOKEN.finditer(text):
        word = match.group(0).lower()
        if word in words or stem(word) in words:
            spans.append(match.span())
    start = 0
    if spans and spans[0][0] > width // 3:
        start = spans[0][0] - width // 3
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 and start - space < 30 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + width // 2 else end
    parts = ["…" if start > 0 else ""]
    cursor = start
    for a, b in spans:
        if a < start or b > end:
            continue
        parts.append(escape(text[cursor:a]))
        parts.append(f"<mark>{escape(text[a:b])}</mark>")
        cursor = b
    parts.append(escape(text[cursor:end]))
    if end < len(text):
        parts.append("…")
    return mark_safe("".join(parts))

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

#: Letters and digits of any script, with the combining vowel and tone marks of Thai and
#: Lao (``\w`` alone would cut a Thai word at every vowel sign).
_TOKEN = re.compile(
    r"(?:\w|[\u0300-\u036f\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u0eb1\u0eb4-\u0ebc\u0ec8-\u0ecd])+"
)
#: Scripts written without spaces between words: their runs are indexed as character
#: bigrams, so a question matches passages that share words with it in any order.
_UNSPACED = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]")
#: One character with the marks written over or under it (a bigram's unit).
_CLUSTER = re.compile(
    r".[\u0300-\u036f\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u0eb1\u0eb4-\u0ebc\u0ec8-\u0ecd]*", re.S
)
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
    """Lower-cased word tokens as written (letters and digits of any script); runs of a
    script written without spaces (Thai) become their overlapping character bigrams."""
    out = []
    for match in _TOKEN.finditer(text.lower()):
        token = match.group(0)
        if _UNSPACED.search(token):
            units = _CLUSTER.findall(token)
            if len(units) > 2:
                out.extend(units[i] + units[i + 1] for i in range(len(units) - 1))
                continue
        token = token[:60]
        if stopwords and token in STOPWORDS:
            continue
        out.append(token)
    return out


def unspaced(text: str) -> bool:
    """Whether ``text`` holds a script written without spaces (Thai, Lao, Khmer, Burmese)."""
    return bool(_UNSPACED.search(text))


def tokens(text: str, *, stopwords: bool = True) -> list[str]:
    """Stemmed word tokens: what passages are matched on."""
    return [stem(word) for word in words(text, stopwords=stopwords)]


#: Extra count of a stem in the article's title, on every passage of the article: the
#: title says best what an article answers (near-duplicate passages elsewhere lack it).
TITLE_WEIGHT = 4


def stem_counts(heading: str, text: str, terms: str, title: str = "") -> dict[str, int]:
    """Stem -> count in a passage's heading and text, plus ``TITLE_WEIGHT`` for each stem of
    the article's ``title``; other ``terms`` words (the tags) count once when not in the
    text. What BM25 scores, computed once when the passage is indexed."""
    counts: dict[str, int] = {}
    for word in words(f"{heading} {text}"):
        key = stem(word)
        counts[key] = counts.get(key, 0) + 1
    for key in {stem(word) for word in words(title)}:
        counts[key] = counts.get(key, 0) + TITLE_WEIGHT
    for word in terms.split():
        counts.setdefault(stem(word), 1)
    return counts


def highlight(text: str, words: set[str], *, width: int = 220) -> SafeString:
    """An escaped excerpt of ``text`` around the first query word, matches in ``<mark>``.

    Matching is done on the raw text and every piece is escaped on its own, so markup in
    the text or the query can never reach the page unescaped.
    """
    if not text:
        return mark_safe("")
    spans: list[tuple[int, int]] = []
    pieces = [w for w in words if _UNSPACED.search(w)]  # Thai bigrams of the query
    for match in _TOKEN.finditer(text):
        word = match.group(0).lower()
        if word in words or stem(word) in words:
            spans.append(match.span())
        elif pieces and _UNSPACED.search(word):
            for piece in pieces:
                at = word.find(piece)
                while at >= 0:
                    spans.append((match.start() + at, match.start() + at + len(piece)))
                    at = word.find(piece, at + 1)
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):  # overlapping bigrams become one mark
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    spans = merged
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

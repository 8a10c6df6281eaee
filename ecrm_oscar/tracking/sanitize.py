"""What an event may store: short, clean strings and a small payload without personal data.

The rule (docs/tracking.md, "What is stored"):

1. Every string is cleaned: control characters, NUL, lone surrogates and zero-width or
   line-separator characters are removed, runs of whitespace become one space, and the
   result is cut to its limit (200 characters for the search query and payload strings).
   Markup is kept as text and escaped wherever it is shown (Django's autoescaping).
2. In every stored string (payload values and the search query), e-mail addresses,
   phone numbers, payment card numbers and IBANs are replaced by ``[email]``, ``[phone]``,
   ``[card]`` and ``[iban]`` (:func:`redact`).
3. Payload keys that name personal data (see ``PERSONAL_KEY_WORDS``: email, phone, name,
   address, postcode, password, token, card, ip, ...) are dropped with their values.
4. A payload is a JSON object of at most ``MAX_KEYS`` keys per object, ``MAX_ITEMS``
   items per list and ``MAX_DEPTH`` levels; values are strings, numbers, booleans or
   null (decimals, dates and UUIDs become strings, anything else is dropped), and the
   whole object is at most ``ECRM_TRACKING_PAYLOAD_MAX_BYTES`` of JSON: keys are dropped
   from the end until it fits, and ``"_truncated": true`` says so.
"""

from __future__ import annotations

import datetime
import json
import math
import re
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

MAX_STRING = 200
MAX_KEY = 40
MAX_KEYS = 20
MAX_ITEMS = 50
MAX_DEPTH = 3

# C0/C1 controls (tab, newline and carriage return become spaces first), lone surrogates
# (PostgreSQL refuses them), zero-width characters, line/paragraph separators, BOM.
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff\ud800-\udfff]"
)
_WHITESPACE = re.compile(r"\s+")

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
# Digit runs with optional separators; classified by _classify_number.
_NUMBER = re.compile(r"(?<![\w+])\+?\(?\d[\d ()./-]{7,24}\d(?!\w)")

#: Words that make a payload key personal (matched against the key's words).
PERSONAL_KEY_WORDS = frozenset(
    {
        "email", "mail", "e-mail", "phone", "telephone", "tel", "mobile", "fax",
        "name", "firstname", "lastname", "surname", "fullname", "username",
        "address", "street", "postcode", "zip", "zipcode", "postal", "city",
        "birth", "birthday", "dob", "password", "passwd", "pwd", "secret", "token",
        "card", "iban", "cvv", "cvc", "ssn", "ip", "user", "visitor", "session",
    }
)  # fmt: skip
_KEY_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def clean_text(value: Any, max_length: int = MAX_STRING) -> str:
    """A single-line string without control characters, at most ``max_length`` long."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    # Bound the work on huge input: nothing beyond a few times the limit can survive.
    text = text[: max_length * 4 + 16]
    text = _CONTROL.sub(" ", text.replace("\t", " ").replace("\n", " ").replace("\r", " "))
    text = _WHITESPACE.sub(" ", text).strip()
    return text[:max_length].rstrip()


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char)
        if index % 2:
            number *= 2
            if number > 9:
                number -= 9
        total += number
    return total % 10 == 0


def _classify_number(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = re.sub(r"\D", "", text)
    if 15 <= len(digits) <= 19 and _luhn(digits):
        return "[card]"
    if re.fullmatch(r"\d{1,4}([./-])\d{1,2}\1\d{1,4}", text):  # a date
        return text
    separated = bool(re.search(r"\d[ ()./-]+\d", text))
    if (
        (text.startswith("+") and 9 <= len(digits) <= 15)
        or ((separated or text.startswith("(")) and 9 <= len(digits) <= 13)
        or (text.startswith("0") and 10 <= len(digits) <= 11)
    ):
        return "[phone]"
    return text


def _classify_iban(match: re.Match[str]) -> str:
    compact = match.group(0).replace(" ", "")
    digits = sum(char.isdigit() for char in compact)
    return "[iban]" if 15 <= len(compact) <= 34 and digits >= 10 else match.group(0)


def redact(text: str) -> str:
    """Replace e-mail addresses, card numbers, IBANs and phone numbers in ``text``.

    Card numbers are 15-19 digits passing the Luhn check (so EAN-13 and GTIN-14 barcodes
    are kept); phone numbers are 9-15 digits after a ``+``, 9-13 digits written in groups
    (``020 7946 0958``, ``(020) 7946-0958``), or 10-11 digits starting with ``0``.
    """
    if not text:
        return text
    if "@" in text:
        text = _EMAIL.sub("[email]", text)
    if any(char.isdigit() for char in text):
        text = _IBAN.sub(_classify_iban, text)
        text = _NUMBER.sub(_classify_number, text)
    return text


def clean_query(value: Any, max_length: int = MAX_STRING) -> str:
    """A search query as stored: cleaned, personal data redacted, truncated."""
    return redact(clean_text(value, max_length * 2))[:max_length].rstrip()


def is_personal_key(key: str) -> bool:
    """True when a payload key's words name personal data (``customerEmail``, ``zip``)."""
    lowered = key.lower()
    if lowered in PERSONAL_KEY_WORDS:
        return True
    words = {word.lower() for word in _KEY_WORDS.findall(key)}
    return bool(words & PERSONAL_KEY_WORDS)


_DROP = object()


def _clean_value(value: Any, depth: int) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) >= 10**12:  # ids are smaller; long numbers may be phones or cards
            text = redact(str(value))
            return value if text == str(value) else text
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _DROP
    if isinstance(value, str):
        return redact(clean_text(value, MAX_STRING * 2))[:MAX_STRING].rstrip()
    if isinstance(value, Decimal):
        return str(value) if value.is_finite() else _DROP
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return value.hex
    if depth >= MAX_DEPTH:
        return _DROP
    if isinstance(value, Mapping):
        return _clean_mapping(value, depth + 1)
    if isinstance(value, list | tuple):
        items = (_clean_value(item, depth + 1) for item in value[:MAX_ITEMS])
        return [item for item in items if item is not _DROP]
    return _DROP


def _clean_mapping(mapping: Mapping, depth: int) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for key, value in mapping.items():
        if len(cleaned) >= MAX_KEYS:
            break
        if not isinstance(key, str):
            continue
        name = clean_text(key, MAX_KEY)
        if not name or is_personal_key(name):
            continue
        item = _clean_value(value, depth)
        if item is not _DROP:
            cleaned[name] = item
    return cleaned


def _size(data: dict[str, Any]) -> int:
    """Bytes as Django's JSONField writes the payload (``json.dumps`` defaults)."""
    return len(json.dumps(data).encode())


def clean_payload(payload: Any, max_bytes: int = 2048) -> dict[str, Any]:
    """The payload as stored, following the rule in this module's docstring."""
    if not payload or not isinstance(payload, Mapping):
        return {}
    cleaned = _clean_mapping(payload, 1)
    if _size(cleaned) <= max_bytes:
        return cleaned
    keys = list(cleaned)
    while keys:
        cleaned.pop(keys.pop())
        cleaned["_truncated"] = True
        if _size(cleaned) <= max_bytes:
            return cleaned
        del cleaned["_truncated"]
    return {"_truncated": True} if max_bytes >= 20 else {}

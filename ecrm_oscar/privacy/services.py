"""Recording and reading consent. The newest record for a person and purpose wins.

A person is a user, an email address, or both: a user's consent also covers records made
for their email address before they registered (or by an unsubscribe link that only knew
the address), and the newest of all those records is their current choice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import BooleanField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from ecrm_oscar.privacy.models import ConsentRecord
from ecrm_oscar.privacy.purposes import all_purposes, get_purpose

SOURCES = {key for key, _label in ConsentRecord.SOURCE_CHOICES}


#: Values a ticked HTML checkbox may post ("on" when the box has no value attribute).
TICKED = frozenset({"1", "on", "true", "yes"})


def box_ticked(request: Any, field: str) -> bool:
    """True when ``request`` is a POST carrying the consent box ``field`` ticked. Shared by
    the registration and checkout boxes, so consent is read the same way everywhere."""
    if request is None or getattr(request, "method", "") != "POST":
        return False
    return str(request.POST.get(field, "")).strip().lower() in TICKED


def normalise_email(email: str | None) -> str:
    """Emails are compared case-insensitively: stored stripped and lower-cased."""
    return (email or "").strip().lower()


def person_filter(user: Any = None, email: str | None = None) -> Q:
    """Rows of the person: by user id or by (normalised) email address."""
    email = normalise_email(email or getattr(user, "email", ""))
    condition = Q(pk__in=[])
    if user is not None and getattr(user, "pk", None):
        condition |= Q(user_id=user.pk)
    if email:
        condition |= Q(email=email)
    return condition


def record_consent(
    purpose: str, granted: bool, *, source: str, user: Any = None, email: str | None = None
) -> ConsentRecord:
    """Append the person's answer; raises ValueError/ValidationError on bad input.

    The record is written even when the answer repeats the current one: it is the proof
    that the person confirmed their choice at that time and place.
    """
    get_purpose(purpose)
    if source not in SOURCES:
        raise ValueError(f"Unknown consent source {source!r} (one of {', '.join(sorted(SOURCES))})")
    if user is not None and not getattr(user, "pk", None):
        user = None  # AnonymousUser or an unsaved user
    address = normalise_email(email if email is not None else getattr(user, "email", ""))
    if address:
        validate_email(address)
    if user is None and not address:
        raise ValidationError("A consent record needs a user or an email address.")
    return ConsentRecord.objects.create(
        user=user, email=address, purpose=purpose, granted=bool(granted), source=source
    )


def current_consents(user: Any = None, email: str | None = None) -> dict[str, bool]:
    """Every registered purpose → the person's current answer (or the purpose's default).

    One query.
    """
    answers = {purpose.key: purpose.default for purpose in all_purposes()}
    seen: set[str] = set()
    records = (
        ConsentRecord.objects.filter(person_filter(user, email))
        .order_by("-created_at", "-pk")
        .values_list("purpose", "granted")
    )
    for purpose, granted in records:
        if purpose not in seen and purpose in answers:
            answers[purpose] = granted
            seen.add(purpose)
    return answers


def has_consent(purpose: str, *, user: Any = None, email: str | None = None) -> bool:
    """The person's current answer for ``purpose`` (its default when they never answered)."""
    default = get_purpose(purpose).default
    latest = (
        ConsentRecord.objects.filter(person_filter(user, email), purpose=purpose)
        .order_by("-created_at", "-pk")
        .values_list("granted", flat=True)
        .first()
    )
    return default if latest is None else latest


def consent_expression(purpose: str, **person: str) -> Coalesce:
    """The current answer for ``purpose`` as an SQL expression of an outer query (the
    newest record wins, the purpose's default when there is none): for scans that decide
    consent inside one statement. ``person`` names the outer column per record field,
    e.g. ``user_id="owner_id"`` or ``email="guest__email"``."""
    newest = (
        ConsentRecord.objects.filter(
            purpose=purpose, **{field: OuterRef(column) for field, column in person.items()}
        )
        .order_by("-created_at", "-pk")
        .values("granted")[:1]
    )
    return Coalesce(
        Subquery(newest, output_field=BooleanField()), Value(get_purpose(purpose).default)
    )


def consented_user_ids(purpose: str, user_ids: Iterable[int], chunk_size: int = 2000) -> set[int]:
    """The ids among ``user_ids`` whose current answer (by user record) is yes.

    For batch jobs (campaign scans): one query per ``chunk_size`` users. Records made
    only for an email address are not consulted here; use :func:`has_consent` per person
    where those matter.
    """
    default = get_purpose(purpose).default
    ids = list(dict.fromkeys(user_ids))
    granted: set[int] = set()
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        latest: dict[int, bool] = {}
        records = (
            ConsentRecord.objects.filter(purpose=purpose, user_id__in=chunk)
            .order_by("user_id", "created_at", "pk")
            .values_list("user_id", "granted")
        )
        for user_id, answer in records:
            latest[user_id] = answer
        granted.update(i for i in chunk if latest.get(i, default))
    return granted


def consent_history(user: Any = None, email: str | None = None) -> list[ConsentRecord]:
    """Every record of the person, newest first (for their account page and exports)."""
    return list(
        ConsentRecord.objects.filter(person_filter(user, email)).order_by("-created_at", "-pk")
    )

"""Segment membership: evaluation of rules and keeping the membership table in step.

- :func:`rebuild_segments` evaluates segments for everyone, set-based (a few queries per
  rule), and writes only the difference (``bulk_create`` / one ``DELETE``).
- :func:`refresh_subject` re-evaluates one customer or visitor after an order, a profile
  update or a relevant event; only the segments whose rules can be affected are looked at.
- Reads go through ``services.segments_for`` (cached); every write here invalidates it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ecrm_oscar import conf
from ecrm_oscar.customers import rules
from ecrm_oscar.customers.models import Segment, SegmentMembership
from ecrm_oscar.customers.rfm import RfmSegment

logger = logging.getLogger("ecrm.customers")

GENERATION_KEY = "ecrm:segments:generation"


@dataclass(frozen=True)
class Rule:
    kind: str
    params: dict


def generation() -> int:
    """The number in every cache key of segments; bumping it retires them all.

    It starts from the clock, so a generation lost from the cache (evicted, flushed)
    never comes back as an older number whose entries could still be cached.
    """
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, int(time.time()), None)
        value = cache.get(GENERATION_KEY) or int(time.time())
    return value


def bump_generation() -> None:
    """Invalidate every cached membership (after a rebuild or a segment edit)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not in the cache: start a new, later generation
        cache.set(GENERATION_KEY, int(time.time()) + 1, None)


def cache_key(kind: str, subject: object, gen: int | None = None) -> str:
    return f"ecrm:segments:{generation() if gen is None else gen}:{kind}:{subject}"


def ensure_rfm_segments() -> int:
    """Create the seven automatic RFM segments that are missing (idempotent)."""
    existing = set(
        Segment.objects.filter(kind=Segment.Kind.RFM).values_list("rfm_segment", flat=True)
    )
    taken = set(Segment.objects.values_list("slug", flat=True))
    created = 0
    for code, label in RfmSegment.choices:
        if code in existing:
            continue
        slug = code if code not in taken else f"rfm-{code}"
        Segment.objects.create(
            name=str(label),
            slug=slug,
            kind=Segment.Kind.RFM,
            rfm_segment=code,
            description=f"Automatic RFM segment: customers whose RFM scores make them {label}.",
        )
        created += 1
    if created:
        bump_generation()
    return created


def rules_of(segment: Segment) -> list[Rule]:
    return [Rule(rule.kind, rule.params) for rule in segment.rules.all()]


def evaluate(
    kind: str,
    match: str,
    segment_rules: Sequence[Rule],
    *,
    rfm_segment: str = "",
    users: set[int] | None = None,
    visitors: set[str] | None = None,
    as_of: datetime | None = None,
    include_visitors: bool = True,
) -> tuple[set[int], set[str]]:
    """Matching (user ids, visitor ids). ``users``/``visitors`` restrict the evaluation."""
    from ecrm_oscar.customers.profiles import reference_time

    as_of = as_of or reference_time()
    if kind == Segment.Kind.RFM:
        if users is not None and not users:
            return set(), set()
        found = rules.get("rfm_segment").match_users({"rfm_segment": rfm_segment}, users, as_of)
        return found, set()
    if not segment_rules:
        return set(), set()
    user_sets: list[set[int]] = []
    visitor_sets: list[set[str] | None] = []
    for rule in segment_rules:
        rule_type = rules.get(rule.kind)
        if rule_type is None:
            logger.warning("Segment rule %r is not installed; it matches nobody", rule.kind)
            user_sets.append(set())
            visitor_sets.append(None)
            continue
        if users is None or users:
            user_sets.append(rule_type.match_users(rule.params, users, as_of))
        else:
            user_sets.append(set())
        if include_visitors and rule_type.match_visitors and (visitors is None or visitors):
            visitor_sets.append(rule_type.match_visitors(rule.params, visitors, as_of))
        else:
            visitor_sets.append(None)  # cannot match anonymous visitors
    if match == Segment.Match.ANY:
        matched_users = set().union(*user_sets)
        matched_visitors = set().union(*(v for v in visitor_sets if v is not None))
    else:
        matched_users = set.intersection(*user_sets)
        if any(v is None for v in visitor_sets):
            matched_visitors = set()
        else:
            matched_visitors = set.intersection(*visitor_sets)
    return matched_users, matched_visitors


def evaluate_segment(segment: Segment, **kwargs) -> tuple[set[int], set[str]]:
    return evaluate(
        segment.kind, segment.match, rules_of(segment), rfm_segment=segment.rfm_segment, **kwargs
    )


def _sync(
    segment: Segment,
    users: set[int],
    visitors: set[str],
    *,
    scope_users: set[int] | None = None,
    scope_visitors: set[str] | None = None,
) -> tuple[set[int], set[str]]:
    """Make the stored membership equal to the matches within the scope (None: all).

    Returns the user ids and visitor ids whose membership changed.
    """
    memberships = SegmentMembership.objects.filter(segment=segment)
    changed_users: set[int] = set()
    changed_visitors: set[str] = set()
    if scope_users is None or scope_users:
        stored = memberships.filter(user__isnull=False)
        if scope_users is not None:
            stored = stored.filter(user_id__in=scope_users)
        have = set(stored.values_list("user_id", flat=True))
        gone = have - users
        new = users - have
        if gone:
            memberships.filter(user_id__in=gone).delete()
        if new:
            SegmentMembership.objects.bulk_create(
                [SegmentMembership(segment=segment, user_id=pk) for pk in new],
                batch_size=1000,
                ignore_conflicts=True,
            )
        changed_users = gone | new
    if scope_visitors is None or scope_visitors:
        stored = memberships.filter(user__isnull=True).exclude(visitor_id="")
        if scope_visitors is not None:
            stored = stored.filter(visitor_id__in=scope_visitors)
        have_v = set(stored.values_list("visitor_id", flat=True))
        gone_v = have_v - visitors
        new_v = visitors - have_v
        if gone_v:
            memberships.filter(user__isnull=True, visitor_id__in=gone_v).delete()
        if new_v:
            SegmentMembership.objects.bulk_create(
                [SegmentMembership(segment=segment, visitor_id=v) for v in new_v],
                batch_size=1000,
                ignore_conflicts=True,
            )
        changed_visitors = gone_v | new_v
    return changed_users, changed_visitors


def _count_members(segment: Segment) -> None:
    count = SegmentMembership.objects.filter(segment=segment).count()
    Segment.objects.filter(pk=segment.pk).update(members_count=count, rebuilt_at=timezone.now())


def rebuild_segments(
    segments: Iterable[Segment] | None = None, *, as_of: datetime | None = None
) -> dict[str, int]:
    """Recompute the members of ``segments`` (default: all), return slug → member count."""
    from ecrm_oscar.customers.profiles import reference_time

    as_of = as_of or reference_time()
    if segments is None:
        segments = Segment.objects.prefetch_related("rules")
    counts = {}
    for segment in segments:
        with transaction.atomic():
            if segment.active:
                users, visitors = evaluate_segment(segment, as_of=as_of)
            else:
                users, visitors = set(), set()
            _sync(segment, users, visitors)
            _count_members(segment)
        counts[segment.slug] = len(users) + len(visitors)
    bump_generation()
    return counts


def refresh_subject(
    *,
    user_id: int | None = None,
    visitor_id: str = "",
    trigger: str = "all",
    event_type: str = "",
    as_of: datetime | None = None,
) -> bool:
    """Re-evaluate one customer's (or anonymous visitor's) memberships.

    ``trigger`` narrows the segments looked at: ``"order"`` (orders or the profile
    changed), ``"event"`` (an event of ``event_type`` was recorded), ``"all"``. A few
    queries whatever the number of automatic segments: the subject's memberships and
    RFM segment are read once; rule segments cost their rules' queries. Returns True when
    any membership changed.
    """
    from ecrm_oscar.customers.models import CustomerProfile
    from ecrm_oscar.customers.profiles import reference_time

    if not user_id and not visitor_id:
        return False
    if user_id:
        subject = {"user_id": int(user_id)}
        users, visitors = {int(user_id)}, set()
    else:
        subject = {"user__isnull": True, "visitor_id": visitor_id}
        users, visitors = set(), {visitor_id}
    affected = [
        segment
        for segment in Segment.objects.filter(active=True).prefetch_related("rules")
        if _affected(segment, trigger, event_type)
    ]
    if not affected:
        return False
    current = set(
        SegmentMembership.objects.filter(segment__in=affected, **subject).values_list(
            "segment_id", flat=True
        )
    )
    rfm_code = None
    if user_id and any(segment.is_automatic for segment in affected):
        rfm_code = (
            CustomerProfile.objects.filter(user_id=user_id)
            .values_list("rfm_segment", flat=True)
            .first()
        )
    as_of = as_of or reference_time()
    added, removed = [], []
    for segment in affected:
        if segment.is_automatic:
            matched = bool(user_id) and bool(rfm_code) and rfm_code == segment.rfm_segment
        else:
            matched_users, matched_visitors = evaluate_segment(
                segment, users=users, visitors=visitors, as_of=as_of
            )
            matched = bool(matched_users or matched_visitors)
        if matched and segment.pk not in current:
            added.append(segment.pk)
        elif not matched and segment.pk in current:
            removed.append(segment.pk)
    if not added and not removed:
        return False
    with transaction.atomic():
        if added:
            SegmentMembership.objects.bulk_create(
                [
                    SegmentMembership(
                        segment_id=pk,
                        user_id=user_id or None,
                        visitor_id="" if user_id else visitor_id,
                    )
                    for pk in added
                ],
                ignore_conflicts=True,
            )
            Segment.objects.filter(pk__in=added).update(members_count=F("members_count") + 1)
        if removed:
            SegmentMembership.objects.filter(segment_id__in=removed, **subject).delete()
            Segment.objects.filter(pk__in=removed, members_count__gt=0).update(
                members_count=F("members_count") - 1
            )
    invalidate(user_id=user_id, visitor_id=visitor_id)
    return True


def _affected(segment: Segment, trigger: str, event_type: str) -> bool:
    if trigger == "all":
        return True
    if segment.kind == Segment.Kind.RFM:
        return trigger == "order"
    for rule in segment.rules.all():
        rule_type = rules.get(rule.kind)
        if rule_type is None:
            continue
        if trigger == "order" and rule_type.depends_on_orders:
            return True
        if trigger == "event" and event_type in rule_type.event_types:
            return True
    return False


def invalidate(*, user_id: int | None = None, visitor_id: str = "") -> None:
    """Forget one subject's cached segments (a cache that is down holds nothing)."""
    try:
        gen = generation()
        keys = []
        if user_id:
            keys.append(cache_key("u", user_id, gen))
        if visitor_id:
            keys.append(cache_key("v", visitor_id, gen))
        if keys:
            cache.delete_many(keys)
    except Exception:
        logger.warning("django-ecrm: cache unavailable, cached segments not invalidated")


def relevant_event_types() -> frozenset[str]:
    """Event types that can change any active segment (cached per generation)."""
    key = cache_key("event-types", "all")
    found = cache.get(key)
    if found is None:
        from ecrm_oscar.customers.models import SegmentRule

        codes = SegmentRule.objects.filter(segment__active=True).values_list("kind", flat=True)
        found = frozenset(rules.event_types_of(set(codes)))
        cache.set(key, found, conf.get("ECRM_SEGMENTS_CACHE_SECONDS"))
    return found

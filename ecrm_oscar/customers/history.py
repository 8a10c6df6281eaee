"""RFM segment history: reconstructing it from past orders, and reading it.

Every profile recompute appends a :class:`~ecrm_oscar.customers.models.SegmentChange`
when a customer's segment moves (``profiles._upsert``). A shop that installs ecrm with
years of orders (the demo's imported Online Retail history among them) has no such rows
for its past, so :func:`backfill_segment_history` reconstructs them: at every month start
of the order history it scores every customer on their orders placed before that time,
as a full rebuild would have done then (quantile breakpoints fitted on the customers of
that time, or the fixed thresholds), and writes a change wherever a customer's segment
differs from the month before. One aggregate query per month, bulk inserts.

The reconstruction ends where the recorded history starts (the earliest recompute row),
and is stitched onto it: the first recorded change of each customer is made to start
from their reconstructed segment, and customers whose profile was never recorded moving
get a last change to their current segment, so the history always ends in the profile's
segment. Running it again replaces the earlier reconstruction (idempotent).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from ecrm_oscar import conf
from ecrm_oscar.customers import profiles
from ecrm_oscar.customers.models import CustomerProfile, SegmentChange

BATCH_SIZE = 2000


@dataclass
class BackfillReport:
    months: int = 0
    written: int = 0
    stitched: int = 0
    until: datetime | None = None


def month_starts(first: datetime, until: datetime) -> list[datetime]:
    """Local month starts after ``first`` and strictly before ``until``."""
    zone = timezone.get_current_timezone()
    local = timezone.localtime(first, zone)
    year, month = local.year, local.month
    starts = []
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        start = timezone.make_aware(datetime(year, month, 1), zone)
        if start >= until:
            return starts
        starts.append(start)


def _breakpoints(stats: list[profiles.OrderStats], as_of: datetime) -> dict:
    if conf.get("ECRM_RFM_SCORING") == "thresholds":
        return profiles._thresholds()
    return profiles.rfm_breakpoints(stats, as_of)


def segments_as_of(as_of: datetime) -> dict[int, str]:
    """user id → the RFM segment a full rebuild at ``as_of`` would have given (one query)."""
    stats = profiles.aggregate_orders(placed_before=as_of)
    breakpoints = _breakpoints(stats, as_of)
    return {s.user_id: profiles.score(s, breakpoints, as_of)[3] for s in stats}


def _write(rows: list[SegmentChange]) -> None:
    for start in range(0, len(rows), BATCH_SIZE):
        SegmentChange.objects.bulk_create(rows[start : start + BATCH_SIZE])


def backfill_segment_history(
    progress: Callable[[str, int, str], Callable[[int], None]] | None = None,
) -> BackfillReport:
    """Replace the reconstructed history (see the module's docstring); return a report."""
    report = BackfillReport()
    recorded = SegmentChange.objects.filter(source=SegmentChange.Source.RECOMPUTE)
    first_recorded = recorded.aggregate(first=Min("changed_at"))["first"]
    first_order = profiles.counted_orders().aggregate(first=Min("date_placed"))["first"]
    profile_time = CustomerProfile.objects.aggregate(first=Min("as_of"))["first"]
    until = first_recorded or profile_time or profiles.reference_time()
    report.until = until
    with transaction.atomic():
        SegmentChange.objects.filter(source=SegmentChange.Source.BACKFILL).delete()
        if first_order is None:
            return report
        starts = month_starts(first_order, until)
        tick = progress("Reconstructing RFM segments", len(starts), " months") if progress else None
        previous: dict[int, str] = {}
        rows: list[SegmentChange] = []
        for start in starts:
            current = segments_as_of(start)
            rows.extend(
                SegmentChange(
                    user_id=user_id,
                    from_segment=previous.get(user_id, ""),
                    to_segment=segment,
                    changed_at=start,
                    source=SegmentChange.Source.BACKFILL,
                )
                for user_id, segment in current.items()
                if previous.get(user_id, "") != segment
            )
            previous = current
            if tick:
                tick(1)
        _write(rows)
        report.months = len(starts)
        report.written = len(rows)
        report.stitched = _stitch(previous, until)
    return report


def _stitch(reconstructed: dict[int, str], until: datetime) -> int:
    """Join the reconstruction to the recorded history and the current profiles.

    A customer's first recorded change that starts from "" (no profile: the table was
    empty before the first rebuild) is made to start from the reconstructed segment (and
    dropped when that is where it leads). Where the reconstruction ends elsewhere than the
    recorded history (or the profile, with nothing recorded) starts, a closing change at
    ``until`` bridges the two.
    """
    first_rows: dict[int, SegmentChange] = {}
    for row in SegmentChange.objects.filter(source=SegmentChange.Source.RECOMPUTE).order_by(
        "user_id", "changed_at", "pk"
    ):
        first_rows.setdefault(row.user_id, row)
    starts = dict(CustomerProfile.objects.order_by().values_list("user_id", "rfm_segment"))
    starts.update((user_id, row.from_segment) for user_id, row in first_rows.items())
    to_update, to_delete = [], []
    for user_id, row in first_rows.items():
        before = reconstructed.get(user_id, "")
        if row.from_segment or not before:
            continue
        starts[user_id] = before
        if row.to_segment == before:
            to_delete.append(row.pk)
        else:
            row.from_segment = before
            to_update.append(row)
    SegmentChange.objects.bulk_update(to_update, ["from_segment"], batch_size=BATCH_SIZE)
    for start in range(0, len(to_delete), BATCH_SIZE):
        SegmentChange.objects.filter(pk__in=to_delete[start : start + BATCH_SIZE]).delete()
    closing = [
        SegmentChange(
            user_id=user_id,
            from_segment=reconstructed.get(user_id, ""),
            to_segment=segment,
            changed_at=until,
            source=SegmentChange.Source.BACKFILL,
        )
        for user_id, segment in starts.items()
        if segment and reconstructed.get(user_id, "") != segment
    ]
    _write(closing)
    return len(to_update) + len(to_delete) + len(closing)


def segment_history(user, limit: int = 24) -> list[SegmentChange]:
    """The customer's latest segment changes, newest first (one query)."""
    return list(SegmentChange.objects.filter(user=user).order_by("-changed_at", "-pk")[:limit])

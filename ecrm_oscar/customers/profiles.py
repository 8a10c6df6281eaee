"""Computing customer profiles: one set-based full rebuild, one incremental update.

Both read orders with one aggregate query (``GROUP BY user``) and write with
``bulk_create(update_conflicts=True)`` (an upsert), and both go through
:func:`build_profile`, so an incremental update gives exactly what a full rebuild with the
same :class:`~ecrm_oscar.customers.models.ProfileBasis` gives. Profiles come from Oscar's
orders directly (the demo's imported history included), never from events.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Count, F, FloatField, Max, Min, Sum
from django.utils import timezone
from oscar.core.loading import get_model

from ecrm_oscar import conf
from ecrm_oscar.customers import clv, rfm
from ecrm_oscar.customers.models import CustomerProfile, ProfileBasis, SegmentChange

CENT = Decimal("0.01")
BATCH_SIZE = 1000
UPDATE_FIELDS = [
    "orders_count",
    "total_spent",
    "average_order_value",
    "first_order_at",
    "last_order_at",
    "recency_days",
    "r_score",
    "f_score",
    "m_score",
    "rfm_segment",
    "purchase_rate",
    "probability_active",
    "predicted_orders",
    "predicted_clv",
    "clv_horizon_days",
    "next_order_expected_at",
    "as_of",
    "computed_at",
]


@dataclass(frozen=True)
class OrderStats:
    """One customer's counted orders, aggregated by the database."""

    user_id: int
    orders: int
    total: Decimal
    first: datetime
    last: datetime
    sum_squares: float

    def history(self, as_of: datetime) -> clv.CustomerHistory:
        day = 86400.0
        return clv.CustomerHistory(
            orders=self.orders,
            total=float(self.total),
            age_days=max(0.0, (as_of - self.first).total_seconds() / day),
            active_days=max(0.0, (self.last - self.first).total_seconds() / day),
            sum_squares=self.sum_squares,
        )


def counted_orders():
    """Orders that count towards profiles: a customer's, not in an excluded status."""
    Order = get_model("order", "Order")
    excluded = list(conf.get("ECRM_PROFILE_EXCLUDED_ORDER_STATUSES") or ())
    return Order.objects.filter(user__isnull=False).exclude(status__in=excluded)


def reference_time(now: datetime | None = None) -> datetime:
    """The time recency and CLV are measured from (``ECRM_RFM_REFERENCE``)."""
    now = now or timezone.now()
    if conf.get("ECRM_RFM_REFERENCE") == "latest_order":
        latest = counted_orders().aggregate(latest=Max("date_placed"))["latest"]
        return latest or now
    return now


def aggregate_orders(
    user_ids: Iterable[int] | None = None, *, placed_before: datetime | None = None
) -> list[OrderStats]:
    """Per-customer order stats; ``placed_before`` limits them to the history up to a time."""
    orders = counted_orders()
    if user_ids is not None:
        orders = orders.filter(user_id__in=list(user_ids))
    if placed_before is not None:
        orders = orders.filter(date_placed__lt=placed_before)
    rows = (
        orders.order_by()
        .values("user_id")
        .annotate(
            n=Count("id"),
            total=Sum("total_incl_tax"),
            first=Min("date_placed"),
            last=Max("date_placed"),
            squares=Sum(F("total_incl_tax") * F("total_incl_tax"), output_field=FloatField()),
        )
    )
    return [
        OrderStats(
            row["user_id"],
            row["n"],
            Decimal(row["total"] or 0).quantize(CENT),
            row["first"],
            row["last"],
            float(row["squares"] or 0),
        )
        for row in rows
    ]


#: Quantiles of fewer customers than this say little: the thresholds are used instead.
MIN_CUSTOMERS_FOR_QUANTILES = 20


def _thresholds() -> dict[str, list[float]]:
    return {k: [float(v) for v in vs] for k, vs in conf.get("ECRM_RFM_THRESHOLDS").items()}


def rfm_breakpoints(stats: list[OrderStats], as_of: datetime) -> dict:
    """Quantile breakpoints of the three measures over ``stats``.

    With fewer than ``MIN_CUSTOMERS_FOR_QUANTILES`` customers, the fixed thresholds
    (``"source": "thresholds"``): a shop's first customers are not each other's measure.
    """
    if len(stats) < MIN_CUSTOMERS_FOR_QUANTILES:
        return {**_thresholds(), "source": "thresholds"}
    return {
        "source": "quantiles",
        "recency": rfm.quantile_breakpoints(_recency_days(s.last, as_of) for s in stats),
        "frequency": rfm.quantile_breakpoints(s.orders for s in stats),
        "monetary": rfm.quantile_breakpoints(float(s.total) for s in stats),
    }


def fit_basis(stats: list[OrderStats], as_of: datetime) -> ProfileBasis:
    """A new (unsaved) basis fitted on ``stats``."""
    fit = clv.fit_population(s.history(as_of) for s in stats)
    Order = get_model("order", "Order")
    return ProfileBasis(
        computed_at=timezone.now(),
        as_of=as_of,
        customers=len(stats),
        orders=sum(s.orders for s in stats),
        last_order_id=Order.objects.aggregate(last=Max("id"))["last"],
        breakpoints=rfm_breakpoints(stats, as_of),
        rate_shape=fit.rate_shape,
        rate_scale=fit.rate_scale,
        value_mean=fit.value_mean,
        value_weight=fit.value_weight,
        rate_fitted=fit.rate_fitted,
        value_fitted=fit.value_fitted,
    )


def current_basis() -> ProfileBasis | None:
    return ProfileBasis.objects.order_by("-computed_at", "-id").first()


def _recency_days(last: datetime, as_of: datetime) -> int:
    return max(0, (as_of - last).days)


def _breakpoints(basis: ProfileBasis) -> dict:
    if conf.get("ECRM_RFM_SCORING") == "thresholds":
        return _thresholds()
    return basis.breakpoints


def segment_rules() -> list[dict]:
    return list(conf.get("ECRM_RFM_SEGMENTS") or rfm.DEFAULT_SEGMENTS)


def score(
    stats: OrderStats, breakpoints: dict, as_of: datetime
) -> tuple[int | None, int | None, int | None, str]:
    """(R, F, M, segment) of one customer as of ``as_of`` against ``breakpoints``."""
    if not breakpoints:
        return None, None, None, ""
    r = rfm.score_recency(_recency_days(stats.last, as_of), breakpoints["recency"])
    f = rfm.score_higher_better(stats.orders, breakpoints["frequency"])
    m = rfm.score_higher_better(float(stats.total), breakpoints["monetary"])
    return r, f, m, rfm.segment_for(r, f, m, segment_rules())


def build_profile(
    stats: OrderStats, basis: ProfileBasis, as_of: datetime, computed_at: datetime
) -> CustomerProfile:
    """The profile of one customer (unsaved), from their orders and the basis."""
    recency = _recency_days(stats.last, as_of)
    r, f, m, segment = score(stats, _breakpoints(basis), as_of)
    fit = clv.PopulationFit(
        basis.rate_shape, basis.rate_scale, basis.value_mean, basis.value_weight
    )
    horizon = int(conf.get("ECRM_CLV_HORIZON_DAYS"))
    prediction = clv.predict(
        stats.history(as_of), fit, horizon, float(conf.get("ECRM_CLV_LIFETIME_DAYS"))
    )
    next_at = None
    if prediction.next_order_in_days is not None and prediction.next_order_in_days < 36500:
        next_at = stats.last + timedelta(days=prediction.next_order_in_days)
    return CustomerProfile(
        user_id=stats.user_id,
        orders_count=stats.orders,
        total_spent=stats.total,
        average_order_value=(stats.total / stats.orders).quantize(CENT, ROUND_HALF_UP),
        first_order_at=stats.first,
        last_order_at=stats.last,
        recency_days=recency,
        r_score=r,
        f_score=f,
        m_score=m,
        rfm_segment=segment,
        purchase_rate=prediction.rate,
        probability_active=prediction.p_active,
        predicted_orders=prediction.expected_orders,
        predicted_clv=Decimal(str(round(prediction.clv, 2))).quantize(CENT),
        clv_horizon_days=horizon,
        next_order_expected_at=next_at,
        as_of=as_of,
        computed_at=computed_at,
    )


def _current_segments(user_ids: list[int] | None = None) -> dict[int, str]:
    """user id → stored RFM segment (one query; every profile when ``user_ids`` is None)."""
    stored = CustomerProfile.objects.all()
    if user_ids is not None:
        stored = stored.filter(user_id__in=user_ids)
    return dict(stored.order_by().values_list("user_id", "rfm_segment"))


def _segment_changes(
    before: dict[int, str], after: Iterable[tuple[int, str]], changed_at: datetime
) -> list[SegmentChange]:
    return [
        SegmentChange(
            user_id=user_id,
            from_segment=before.get(user_id, ""),
            to_segment=segment,
            changed_at=changed_at,
            source=SegmentChange.Source.RECOMPUTE,
        )
        for user_id, segment in after
        if before.get(user_id, "") != segment
    ]


def _upsert(
    profiles: list[CustomerProfile],
    before: dict[int, str],
    tick: Callable[[int], None] | None = None,
) -> int:
    """Write ``profiles`` and append a :class:`SegmentChange` for every segment that moved.

    ``before`` holds the stored segments (read once by the caller), so each batch costs
    two queries: the upsert and one bulk insert of its changes. Returns the changes.
    """
    changes = 0
    for start in range(0, len(profiles), BATCH_SIZE):
        batch = profiles[start : start + BATCH_SIZE]
        CustomerProfile.objects.bulk_create(
            batch, update_conflicts=True, unique_fields=["user"], update_fields=UPDATE_FIELDS
        )
        moved = _segment_changes(
            before, ((p.user_id, p.rfm_segment) for p in batch), batch[0].as_of
        )
        if moved:
            SegmentChange.objects.bulk_create(moved)
            changes += len(moved)
        if tick:
            tick(len(batch))
    return changes


def _remove(stale, changed_at: datetime) -> int:
    """Delete the profiles in ``stale``, recording that they left their segment ("" to)."""
    before = dict(stale.order_by().values_list("user_id", "rfm_segment"))
    left = _segment_changes(before, ((pk, "") for pk in before), changed_at)
    if left:
        SegmentChange.objects.bulk_create(left)
    deleted, _ = stale.delete()
    return deleted


@dataclass
class RebuildReport:
    customers: int = 0
    removed: int = 0
    segment_changes: int = 0
    seconds: float = 0.0
    basis: ProfileBasis | None = None
    timings: dict[str, float] = field(default_factory=dict)


def rebuild_profiles(
    *,
    as_of: datetime | None = None,
    refit: bool = True,
    progress: Callable[[str, int, str], Callable[[int], None]] | None = None,
) -> RebuildReport:
    """Recompute every profile; ``refit=False`` keeps the current basis (if any).

    ``progress(description, total, unit)`` may return a callback taking increments (the
    command passes a tqdm factory).
    """
    started = time.monotonic()
    report = RebuildReport()
    as_of = as_of or reference_time()
    stats = aggregate_orders()
    report.timings["aggregate"] = time.monotonic() - started
    with transaction.atomic():
        basis = None if refit else current_basis()
        if basis is None:
            basis = fit_basis(stats, as_of)
            basis.save()
            ProfileBasis.objects.exclude(pk=basis.pk).delete()
        computed_at = timezone.now()
        profiles = [build_profile(s, basis, as_of, computed_at) for s in stats]
        report.timings["compute"] = time.monotonic() - started
        tick = progress("Writing profiles", len(profiles), " customers") if progress else None
        report.segment_changes = _upsert(profiles, _current_segments(), tick)
        report.removed = _remove(
            CustomerProfile.objects.exclude(user_id__in=counted_orders().values("user_id")), as_of
        )
    report.timings["write"] = time.monotonic() - started
    report.customers = len(profiles)
    report.basis = basis
    report.seconds = time.monotonic() - started
    return report


def update_profiles(user_ids: Iterable[int], *, as_of: datetime | None = None) -> bool:
    """Recompute the profiles of ``user_ids`` against the current basis.

    Without a basis (nothing was ever rebuilt) this runs a full rebuild instead and
    returns True.
    """
    user_ids = list(user_ids)
    basis = current_basis()
    if basis is None:
        rebuild_profiles(as_of=as_of)
        return True
    as_of = as_of or reference_time()
    stats = aggregate_orders(user_ids)
    computed_at = timezone.now()
    with transaction.atomic():
        built = [build_profile(s, basis, as_of, computed_at) for s in stats]
        _upsert(built, _current_segments(user_ids))
        found = {s.user_id for s in stats}
        gone = [pk for pk in user_ids if pk not in found]
        if gone:
            _remove(CustomerProfile.objects.filter(user_id__in=gone), as_of)
    return False


def needs_rebuild() -> bool:
    """True when orders were added or removed since the last full rebuild (or never)."""
    basis = current_basis()
    if basis is None:
        return counted_orders().exists()
    Order = get_model("order", "Order")
    last_id = Order.objects.aggregate(last=Max("id"))["last"]
    return last_id != basis.last_order_id or counted_orders().count() != basis.orders

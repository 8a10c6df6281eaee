"""Earning arithmetic: which amounts earn points, and how they are rounded and split.

Pure functions of an order and the owner's settings (no writes), so the numbers can be
tested and documented on their own (docs/loyalty.md, "Earning and rounding").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

ZERO = Decimal("0")


@dataclass(frozen=True)
class Earning:
    """The points an order earns: the total and its split over the order's lines."""

    points: int
    lines: list[tuple[int, int]] = field(default_factory=list)  # (line id, points)
    eligible: Decimal = ZERO  # the amount that earned points
    rate: Decimal = ZERO  # points per currency unit, tier multiplier included

    @property
    def shipping_points(self) -> int:
        return self.points - sum(points for _line, points in self.lines)

    def detail(self) -> dict[str, Any]:
        return {"eligible": str(self.eligible), "rate": format(self.rate.normalize(), "f")}


def floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def split_largest_remainder(total: int, exact: Sequence[Decimal]) -> list[int]:
    """Split ``total`` points over parts in proportion to ``exact`` (their unrounded
    points): each part gets its floor, and the points left go one each to the parts with the
    largest fractions (earlier parts first on ties). The parts add up to ``total``."""
    floors = [floor(value) for value in exact]
    left = total - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for index in order[: max(left, 0)]:
        floors[index] += 1
    return floors


def line_amount(line: Any, *, include_tax: bool, deduct_discounts: bool) -> Decimal:
    """The amount of an Oscar order line that earns points."""
    if deduct_discounts:
        amount = line.line_price_incl_tax if include_tax else line.line_price_excl_tax
    else:
        amount = (
            line.line_price_before_discounts_incl_tax
            if include_tax
            else line.line_price_before_discounts_excl_tax
        )
    return max(amount or ZERO, ZERO)


def shipping_amount(order: Any, *, include_tax: bool) -> Decimal:
    amount = order.shipping_incl_tax if include_tax else order.shipping_excl_tax
    return max(amount or ZERO, ZERO)


def order_earning(order: Any, lines: Iterable[Any], settings: Any, multiplier: Decimal) -> Earning:
    """What ``order`` earns under ``settings`` (a ``ProgramSettings``) at ``multiplier``.

    Points = ⌊eligible amount × points per unit × multiplier⌋, rounded down once per
    order; split over the lines (and shipping) by largest remainder.
    """
    rate = settings.points_per_unit * (multiplier if multiplier is not None else Decimal(1))
    parts: list[tuple[int | None, Decimal]] = [
        (
            line.pk,
            line_amount(
                line, include_tax=settings.include_tax, deduct_discounts=settings.deduct_discounts
            ),
        )
        for line in lines
    ]
    if settings.include_shipping:
        parts.append((None, shipping_amount(order, include_tax=settings.include_tax)))
    eligible = sum((amount for _line, amount in parts), ZERO)
    total = floor(eligible * rate)
    if total <= 0:
        return Earning(0, [], eligible, rate)
    shares = split_largest_remainder(total, [amount * rate for _line, amount in parts])
    split = [
        (line_id, points)
        for (line_id, _amount), points in zip(parts, shares, strict=True)
        if line_id is not None and points
    ]
    return Earning(total, split, eligible, rate)


def refund_points(earned: int, quantity: int, refunded_before: int, refunded_now: int) -> int:
    """Points to reverse when ``refunded_now`` more of a line's ``quantity`` units are
    refunded: the cumulative share, rounded half up, minus what earlier refunds took, so a
    line refunded in parts reverses exactly its points in the end."""
    if quantity <= 0 or refunded_now <= 0:
        return 0
    done = min(refunded_before, quantity)
    after = min(refunded_before + refunded_now, quantity)

    def share(units: int) -> int:
        return int((Decimal(earned) * units / quantity).to_integral_value(ROUND_HALF_UP))

    return share(after) - share(done)


def money_for_points(points: int, point_value: Decimal) -> Decimal:
    """What ``points`` are worth in currency, to the cent (rounded down)."""
    return (Decimal(points) * point_value).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)


def points_for_money(amount: Decimal, point_value: Decimal) -> int:
    """The points that pay ``amount`` (rounded up: a discount is never worth more points
    than were spent)."""
    from decimal import ROUND_CEILING

    return int((amount / point_value).to_integral_value(rounding=ROUND_CEILING))

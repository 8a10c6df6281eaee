"""Earning arithmetic: eligible amounts, rounding, the split over lines, partial refunds."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from ecrm_oscar.loyalty.models import ProgramSettings
from ecrm_oscar.loyalty.rules import (
    money_for_points,
    order_earning,
    points_for_money,
    refund_points,
    split_largest_remainder,
)

D = Decimal


def line(pk, paid, before=None, tax=None):
    tax = tax or D("0")
    before = paid if before is None else before
    return SimpleNamespace(
        pk=pk,
        line_price_incl_tax=paid + tax,
        line_price_excl_tax=paid,
        line_price_before_discounts_incl_tax=before + tax,
        line_price_before_discounts_excl_tax=before,
    )


ORDER = SimpleNamespace(shipping_incl_tax=D("6.00"), shipping_excl_tax=D("5.00"))


def settings(**values):
    return ProgramSettings(**values)


def test_points_are_rounded_down_once_per_order_and_split_by_largest_remainder():
    lines = [line(1, D("9.99")), line(2, D("9.99")), line(3, D("0.50"))]
    earning = order_earning(ORDER, lines, settings(points_per_unit=D("1")), D("1"))
    # 20.48 earns 20 points (not 9 + 9 + 0 = 18 rounded per line).
    assert earning.points == 20
    # floors 9 + 9 + 0; the two points left go to the largest fractions (.99, .99; not .50)
    assert earning.lines == [(1, 10), (2, 10)]
    assert earning.detail() == {"eligible": "20.48", "rate": "1"}


def test_owner_chooses_whether_shipping_tax_and_discounts_count():
    lines = [line(1, D("80.00"), before=D("100.00"), tax=D("16.00"))]
    base = {"points_per_unit": D("1")}
    assert order_earning(ORDER, lines, settings(**base), 1).points == 96  # paid incl. tax
    assert order_earning(ORDER, lines, settings(**base, include_tax=False), 1).points == 80
    assert order_earning(ORDER, lines, settings(**base, deduct_discounts=False), 1).points == 116
    with_shipping = order_earning(ORDER, lines, settings(**base, include_shipping=True), 1)
    assert with_shipping.points == 102 and with_shipping.shipping_points == 6


def test_tier_multiplier_and_fractional_rates():
    lines = [line(1, D("33.33"))]
    assert order_earning(ORDER, lines, settings(points_per_unit=D("2.5")), D("1.5")).points == 124
    assert order_earning(ORDER, lines, settings(points_per_unit=D("0")), D("2")).points == 0


@given(st.lists(st.decimals("0", "500", places=2), min_size=1, max_size=12), st.integers(0, 5))
def test_split_always_adds_up(amounts, rate):
    exact = [amount * rate for amount in amounts]
    total = int(sum(exact))
    shares = split_largest_remainder(total, exact)
    assert sum(shares) == total
    assert all(share >= int(value) for share, value in zip(shares, exact, strict=True))


@given(st.integers(0, 10_000), st.integers(1, 50), st.data())
def test_refunding_a_line_in_parts_reverses_exactly_its_points(earned, quantity, data):
    refunded, total = 0, 0
    while refunded < quantity:
        now = data.draw(st.integers(1, quantity - refunded))
        total += refund_points(earned, quantity, refunded, now)
        refunded += now
    assert total == earned


def test_money_and_points():
    assert money_for_points(250, D("0.01")) == D("2.50")
    assert money_for_points(3, D("0.333")) == D("0.99")
    assert points_for_money(D("2.50"), D("0.01")) == 250
    assert points_for_money(D("1.00"), D("0.03")) == 34

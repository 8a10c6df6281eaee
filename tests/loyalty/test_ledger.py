"""The ledger core: append-only entries and the facade's verified, idempotent writes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ecrm_oscar.loyalty import facade
from ecrm_oscar.loyalty.audit import mismatches
from ecrm_oscar.loyalty.exceptions import (
    IdempotencyConflict,
    InsufficientPoints,
    InvalidPoints,
    ReasonRequired,
    ReservationClosed,
    ReservationExists,
)
from ecrm_oscar.loyalty.models import (
    AppendOnlyError,
    Kind,
    LedgerEntry,
    LoyaltyAccount,
    Reservation,
)
from ecrm_oscar.testing.factories import create_customer, create_purchase

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper():
    return create_customer()


def counters(user) -> tuple[int, int, int]:
    account = LoyaltyAccount.objects.get(user=user)
    return account.balance, account.pending, account.reserved


def funded(user, points: int = 1000):
    facade.award(user, points, key=f"fund:{user.pk}", reason="test", confirm=True)
    return user


# -- append-only ------------------------------------------------------------------------


def test_entries_cannot_be_changed_or_deleted(shopper):
    entry = facade.adjust(shopper, 10, key="k1", reason="welcome").entries[0]
    entry.points = 1000
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(pk=entry.pk).update(points=1000)
    assert LedgerEntry.objects.get(pk=entry.pk).points == 10


def test_idempotency_key_is_unique_in_the_database(shopper):
    entry = facade.adjust(shopper, 10, key="same", reason="once").entries[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            account=entry.account, kind=Kind.ADJUST, points=1, operation="x", idempotency_key="same"
        )


def test_deleting_an_order_keeps_its_entries_with_the_order_number(shopper):
    order = create_purchase(shopper)
    facade.award(shopper, 25, key="award-order", reason="order", order=order)
    number = order.number
    order.delete()
    entry = LedgerEntry.objects.get(operation="award-order")
    assert entry.order_id is None and entry.order_number == number


# -- earning, confirming, reversing ---------------------------------------------------------


def test_award_is_pending_until_confirmed(shopper):
    result = facade.award(shopper, 120, key="a1", reason="Order 1", ref="order:1")
    assert result.created and result.change == 120
    assert counters(shopper) == (0, 120, 0)
    confirmed = facade.confirm(shopper, ref="order:1", key="c1")
    assert confirmed.entries[0].kind == Kind.CONFIRM and confirmed.entries[0].points == 120
    assert counters(shopper) == (120, 0, 0)
    # Nothing left to confirm: nothing written, whatever the key.
    assert not facade.confirm(shopper, ref="order:1", key="c2").created
    assert counters(shopper) == (120, 0, 0)


def test_award_split_over_lines_and_reversed_line_by_line(shopper):
    order = create_purchase(shopper)
    line = order.lines.get()
    result = facade.award(shopper, 50, key="a", reason="order", order=order, lines=[(line, 40)])
    # One entry per award, its split over the lines kept with it.
    [entry] = result.entries
    assert (entry.pending, entry.detail["lines"]) == (50, [[line.pk, 40]])
    assert result.entries[0].ref == f"order:{order.pk}"
    # Partial refund of the line while still pending: taken from pending.
    facade.reverse(
        shopper, ref=f"order:{order.pk}", key="r1", reason="refund", line=line, points=15
    )
    assert counters(shopper) == (0, 35, 0)
    facade.confirm(shopper, ref=f"order:{order.pk}", key="c")
    assert counters(shopper) == (35, 0, 0)
    # The rest of the line after confirmation: taken from the balance, never more than earned.
    again = facade.reverse(
        shopper, ref=f"order:{order.pk}", key="r2", reason="refund", line=line, points=999
    )
    assert again.points == -25
    assert counters(shopper) == (10, 0, 0)
    assert not facade.reverse(
        shopper, ref=f"order:{order.pk}", key="r3", reason="refund", line=line
    ).created
    # Whole order: only the order-level remainder is left.
    rest = facade.reverse(shopper, ref=f"order:{order.pk}", key="r4", reason="cancelled")
    assert [(e.line_id, e.points) for e in rest.entries] == [(None, -10)]
    assert counters(shopper) == (0, 0, 0)
    assert mismatches() == []


def test_reversing_points_already_spent_writes_off_the_rest(shopper):
    facade.award(shopper, 100, key="a", reason="order", ref="order:9", confirm=True)
    facade.redeem(shopper, 70, key="spend")
    result = facade.reverse(shopper, ref="order:9", key="r", reason="refund")
    entry = result.entries[0]
    assert entry.points == -30 and entry.detail == {"written_off": 70}
    assert counters(shopper) == (0, 0, 0)
    # The write-off counts as reversed: nothing is taken again later.
    facade.adjust(shopper, 100, key="gift", reason="goodwill")
    assert not facade.reverse(shopper, ref="order:9", key="r-again", reason="refund").created
    assert counters(shopper) == (100, 0, 0)


# -- idempotency ------------------------------------------------------------------------


def test_replaying_a_key_writes_nothing_and_returns_the_first_entries(shopper):
    first = facade.award(shopper, 30, key="order:5:award", reason="x", ref="order:5")
    second = facade.award(shopper, 30, key="order:5:award", reason="x", ref="order:5")
    assert first.created and not second.created
    assert [e.pk for e in second.entries] == [e.pk for e in first.entries]
    assert counters(shopper) == (0, 30, 0)
    assert LedgerEntry.objects.count() == 1


def test_reusing_a_key_for_another_operation_is_refused(shopper):
    funded(shopper)
    facade.redeem(shopper, 10, key="k")
    with pytest.raises(IdempotencyConflict):
        facade.adjust(shopper, 10, key="k", reason="x")
    other = create_customer()
    with pytest.raises(IdempotencyConflict):
        facade.redeem(other, 10, key="k")


# -- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "points", [0, -5, 1.5, Decimal("2.5"), "abc", "", "NaN", "inf", None, True, 10**12, [3]]
)
def test_bad_amounts_are_refused_and_nothing_is_written(shopper, points):
    funded(shopper)
    before = (counters(shopper), LedgerEntry.objects.count())
    for call in (
        lambda: facade.redeem(shopper, points, key="bad-redeem"),
        lambda: facade.award(shopper, points, key="bad-award", reason="x"),
        lambda: facade.reserve(
            shopper, points, key="bad-reserve", amount=Decimal("1"), expires_at=timezone.now()
        ),
    ):
        with pytest.raises(InvalidPoints):
            call()
    assert (counters(shopper), LedgerEntry.objects.count()) == before


def test_whole_numbers_in_other_types_are_accepted():
    assert facade.check_points("20") == 20
    assert facade.check_points(Decimal("20.00")) == 20
    assert facade.check_points(-3, allow_negative=True) == -3


def test_redeeming_more_than_held_is_refused(shopper):
    funded(shopper, 100)
    with pytest.raises(InsufficientPoints, match="You have 100 points"):
        facade.redeem(shopper, 101, key="too-much")
    assert counters(shopper) == (100, 0, 0)
    assert LedgerEntry.objects.filter(kind=Kind.REDEEM).count() == 0


def test_adjustments_need_a_reason_and_keep_the_actor(shopper):
    staff = create_customer(is_staff=True)
    for reason in ("", "   ", None):
        with pytest.raises(ReasonRequired):
            facade.adjust(shopper, 10, key=f"adj-{reason!r}", reason=reason, actor=staff)
    assert not LedgerEntry.objects.exists()
    entry = facade.adjust(shopper, 10, key="adj", reason=" goodwill ", actor=staff).entries[0]
    assert (entry.reason, entry.actor) == ("goodwill", staff)
    with pytest.raises(InsufficientPoints):
        facade.adjust(shopper, -11, key="adj-2", reason="too much", actor=staff)
    facade.adjust(shopper, -10, key="adj-3", reason="correction", actor=staff)
    assert counters(shopper) == (0, 0, 0)


# -- reservations ---------------------------------------------------------------------------


def reserve(user, points, key="res", basket=None):
    return facade.reserve(
        user,
        points,
        key=key,
        amount=Decimal(points) / 100,
        basket=basket,
        expires_at=timezone.now() + timedelta(hours=1),
    )


def test_reserve_then_redeem_part_releases_the_rest(shopper):
    funded(shopper, 500)
    reservation = reserve(shopper, 300).reservation
    assert counters(shopper) == (200, 0, 300)
    order = create_purchase(shopper)
    result = facade.redeem(shopper, 250, key="spend", reservation=reservation, order=order)
    assert [(e.kind, e.change) for e in result.entries] == [(Kind.REDEEM, -250), (Kind.RELEASE, 0)]
    assert counters(shopper) == (250, 0, 0)
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.REDEEMED and reservation.order == order
    with pytest.raises(ReservationClosed):
        facade.release(reservation, key="late-release")
    assert mismatches() == []


def test_one_active_reservation_per_basket(shopper):
    from oscar.core.loading import get_model

    basket = get_model("basket", "Basket").objects.create(owner=shopper)
    funded(shopper, 500)
    first = reserve(shopper, 100, key="r1", basket=basket).reservation
    with pytest.raises(ReservationExists):
        reserve(shopper, 100, key="r2", basket=basket)
    facade.release(first, key="rel")
    assert counters(shopper) == (500, 0, 0)
    reserve(shopper, 200, key="r3", basket=basket)
    assert counters(shopper) == (300, 0, 200)


def test_another_accounts_reservation_cannot_be_redeemed(shopper):
    funded(shopper, 500)
    reservation = reserve(shopper, 100).reservation
    thief = funded(create_customer(), 10)
    with pytest.raises(ReservationClosed, match="does not belong"):
        facade.redeem(thief, key="steal", reservation=reservation)
    assert counters(shopper) == (400, 0, 100)


# -- expiry -------------------------------------------------------------------------------


def test_expiry_takes_the_oldest_points_first(shopper):
    now = timezone.now()
    facade.award(
        shopper, 100, key="old", reason="x", ref="o1", confirm=True, at=now - timedelta(days=400)
    )
    facade.award(
        shopper, 50, key="new", reason="x", ref="o2", confirm=True, at=now - timedelta(days=10)
    )
    facade.redeem(shopper, 30, key="spend", at=now - timedelta(days=5))  # uses old points first
    cutoff = now - timedelta(days=365)
    assert facade.expirable(LoyaltyAccount.objects.get(user=shopper), cutoff) == 70
    result = facade.expire(shopper, key="exp", reason="older than a year", older_than=cutoff)
    assert result.points == -70
    assert counters(shopper) == (50, 0, 0)
    assert not facade.expire(shopper, key="exp-2", reason="again", older_than=cutoff).created
    facade.expire(shopper, key="inactive", reason="inactive", everything=True)
    assert counters(shopper) == (0, 0, 0)


# -- the check command ---------------------------------------------------------------------


def test_check_command_proves_balances_and_finds_tampering(shopper, capsys):
    funded(shopper, 100)
    call_command("ecrm_check_loyalty")
    assert "every balance" in capsys.readouterr().out
    LoyaltyAccount.objects.filter(user=shopper).update(balance=1_000)  # bypassing the facade
    with pytest.raises(CommandError, match="1 of 1 loyalty accounts"):
        call_command("ecrm_check_loyalty")
    assert "stored balance/pending/reserved (1000, 0, 0), ledger (100, 0, 0)" in (
        capsys.readouterr().err
    )


def test_award_batch_writes_many_accounts_at_once_and_replays_per_key(shopper):
    others = [create_customer(), create_customer()]
    facade.award(others[0], 5, key="earlier", reason="x")
    plans = {
        shopper: [facade.Award(10, "b1", "x", confirm=True), facade.Award(20, "b2", "x")],
        others[0].pk: [facade.Award(5, "earlier", "x"), facade.Award(7, "b3", "x")],
        others[1]: [facade.Award(1, "b4", "x", confirm=True)],
    }
    results = facade.award_batch(plans)
    assert [[r.created for r in results[u.pk]] for u in [shopper, *others]] == [
        [True, True], [False, True], [True],
    ]  # fmt: skip
    assert counters(shopper) == (10, 20, 0)
    assert counters(others[0]) == (0, 12, 0)
    assert counters(others[1]) == (1, 0, 0)
    assert LoyaltyAccount.objects.get(user=others[1]).last_activity_at is not None
    assert mismatches() == []
    with pytest.raises(IdempotencyConflict, match="twice"):
        facade.award_batch({shopper: [facade.Award(1, "dup", "x")], others[1]: [
            facade.Award(1, "dup", "x")]})  # fmt: skip
    assert not LedgerEntry.objects.filter(operation="dup").exists()


def test_set_tiers_moves_many_accounts_at_once(shopper):
    from ecrm_oscar.loyalty.models import Tier

    gold = Tier.objects.create(name="Gold", threshold=500)
    other = create_customer()
    facade.set_tier(other, gold)
    assert facade.set_tiers({shopper: gold, other.pk: None}) == 2
    assert LoyaltyAccount.objects.get(user=shopper).tier == gold
    assert LoyaltyAccount.objects.get(user=other).tier is None
    assert facade.set_tiers({shopper: gold}) == 0

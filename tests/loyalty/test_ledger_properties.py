"""A property-based proof of the ledger: random sequences of every facade operation.

Hypothesis drives a state machine over one shopper's account (a fresh shopper per run):
earn (split over lines), confirm, reverse (whole or one line, partially), redeem (directly
or through a checkout reservation), release, expire (FIFO by age, or everything), adjust,
and replays of earlier keys. After every step:

- no bucket (spendable, pending, reserved) is negative;
- each counter equals the sum of the ledger (``audit.mismatches()`` is empty);
- every entry any call reported is in the database, unchanged, and nothing else is
  (no entry lost, none added behind the facade's back);
- refused calls changed nothing; replays changed nothing;
- no source ever had more reversed than it earned.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
)

from ecrm_oscar.loyalty import facade
from ecrm_oscar.loyalty.audit import mismatches
from ecrm_oscar.loyalty.exceptions import LoyaltyError
from ecrm_oscar.loyalty.models import Kind, LedgerEntry, LoyaltyAccount
from ecrm_oscar.testing.factories import create_customer

_runs = itertools.count()
points = st.integers(min_value=1, max_value=500)


class LedgerMachine(RuleBasedStateMachine):
    sources = Bundle("sources")
    reservations = Bundle("reservations")
    line_ids: list[int] = []  # three real order lines, set by the test

    def __init__(self):
        super().__init__()
        self.run = next(_runs)
        self.user = create_customer()
        self.clock = timezone.now() - timedelta(days=1000)
        self.steps = itertools.count()
        self.entries: dict[int, tuple] = {}  # every entry any call reported
        self.calls: dict[str, tuple] = {}  # key -> (operation, args) for replays

    # -- helpers --
    def key(self, name: str) -> str:
        return f"run{self.run}:{name}:{next(self.steps)}"

    def tick(self, days: int = 7):
        self.clock += timedelta(days=days)
        return self.clock

    def account(self) -> LoyaltyAccount:
        return LoyaltyAccount.objects.get_or_create(user=self.user)[0]

    def snapshot(self):
        account = self.account()
        count = LedgerEntry.objects.filter(account=account).count()
        return account.balance, account.pending, account.reserved, count

    def call(self, key, operation, *args, **kwargs):
        """Run a facade call; refused ones must leave everything as it was."""
        before = self.snapshot()
        try:
            result = operation(*args, key=key, **kwargs)
        except LoyaltyError:
            assert self.snapshot() == before
            return None
        for entry in result.entries:
            self.entries[entry.pk] = (entry.kind, entry.points, entry.pending, entry.reserved)
        if result.created:
            self.calls[key] = (operation, args, kwargs)
        else:
            assert self.snapshot() == before
        return result

    # -- rules --
    @rule(target=sources, amount=points, lines=st.lists(st.integers(0, 200), max_size=3))
    def earn(self, amount, lines):
        ref = f"run{self.run}:src{next(self.steps)}"
        split, left = [], amount
        for number, line_points in enumerate(lines):
            take = min(line_points, left)
            split.append((self.line_ids[number], take))
            left -= take
        result = self.call(
            self.key("earn"), facade.award, self.user, amount, reason="earn", ref=ref,
            lines=split, at=self.tick(),
        )  # fmt: skip
        assert result is not None and result.change == amount
        return (ref, tuple(line for line, p in split if p))

    @rule(source=sources)
    def confirm(self, source):
        result = self.call(
            self.key("confirm"), facade.confirm, self.user, ref=source[0], at=self.tick()
        )
        if result is not None:
            assert result.change == 0

    @rule(source=sources, data=st.data())
    def reverse(self, source, data):
        ref, lines = source
        kwargs = {}
        if lines and data.draw(st.booleans()):
            kwargs["line"] = data.draw(st.sampled_from(lines))
            if data.draw(st.booleans()):
                kwargs["points"] = data.draw(points)
        self.call(self.key("reverse"), facade.reverse, self.user, ref=ref, reason="refund",
                  at=self.tick(), **kwargs)  # fmt: skip

    @rule(amount=points)
    def redeem(self, amount):
        result = self.call(self.key("redeem"), facade.redeem, self.user, amount, at=self.tick())
        if result is not None:
            assert result.change == -amount

    @rule(target=reservations, amount=points)
    def reserve(self, amount):
        result = self.call(
            self.key("reserve"), facade.reserve, self.user, amount, amount=Decimal(amount) / 100,
            expires_at=self.clock + timedelta(hours=1), at=self.tick(0),
        )  # fmt: skip
        return result.reservation if result is not None else None

    @rule(reservation=consumes(reservations), data=st.data())
    def redeem_reservation(self, reservation, data):
        if reservation is None:
            return
        part = data.draw(st.none() | st.integers(1, reservation.points))
        result = self.call(self.key("redeem-res"), facade.redeem, self.user, part,
                           reservation=reservation, at=self.tick(0))  # fmt: skip
        assert result is not None and result.change == -(part or reservation.points)

    @rule(reservation=consumes(reservations))
    def release(self, reservation):
        if reservation is None:
            return
        result = self.call(self.key("release"), facade.release, reservation, at=self.tick(0))
        assert result is not None and result.change == 0

    @rule(days=st.integers(30, 400), everything=st.booleans())
    def expire(self, days, everything):
        now = self.tick()
        kwargs = {"everything": True} if everything else {"older_than": now - timedelta(days=days)}
        self.call(self.key("expire"), facade.expire, self.user, reason="expiry", at=now, **kwargs)

    @rule(amount=st.integers(-300, 300).filter(bool))
    def adjust(self, amount):
        result = self.call(self.key("adjust"), facade.adjust, self.user, amount,
                           reason="correction", at=self.tick(1))  # fmt: skip
        if result is not None:
            assert result.change == amount

    @rule(data=st.data())
    def replay(self, data):
        if not self.calls:
            return
        key = data.draw(st.sampled_from(sorted(self.calls)))
        operation, args, kwargs = self.calls[key]
        before = self.snapshot()
        result = operation(*args, key=key, **kwargs)
        assert not result.created and self.snapshot() == before

    # -- invariants --
    @invariant()
    def buckets_are_never_negative(self):
        balance, pending, reserved, _count = self.snapshot()
        assert balance >= 0 and pending >= 0 and reserved >= 0

    @invariant()
    def counters_equal_the_ledger(self):
        assert mismatches(LoyaltyAccount.objects.filter(user=self.user)) == []

    @invariant()
    def no_entry_lost_or_changed(self):
        account = self.account()
        stored = {
            pk: (kind, p, pe, r)
            for pk, kind, p, pe, r in LedgerEntry.objects.filter(account=account).values_list(
                "pk", "kind", "points", "pending", "reserved"
            )
        }
        assert stored == self.entries

    @invariant()
    def never_more_reversed_than_earned(self):
        account = self.account()
        earned, covered = {}, {}
        for entry in LedgerEntry.objects.filter(account=account):
            if entry.kind == Kind.EARN_PENDING:
                earned[entry.ref] = earned.get(entry.ref, 0) + entry.pending
            elif entry.kind == Kind.REVERSE:
                taken = -(entry.points + entry.pending) + entry.detail.get("written_off", 0)
                covered[entry.ref] = covered.get(entry.ref, 0) + taken
        assert all(covered[ref] <= earned.get(ref, 0) for ref in covered)


@pytest.mark.django_db
def test_ledger_state_machine():
    from hypothesis.stateful import run_state_machine_as_test

    from ecrm_oscar.testing.factories import create_product, create_purchase

    order = create_purchase(create_customer(), [(create_product(), 1) for _ in range(3)])
    LedgerMachine.line_ids = list(order.lines.values_list("pk", flat=True))
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            database=None,  # no example database in the repository
        ),
    )

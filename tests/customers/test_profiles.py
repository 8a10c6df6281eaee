"""Profiles from orders: the figures, incremental vs full rebuild, the command, the backfill."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from ecrm_oscar.customers import clv, profiles, segments
from ecrm_oscar.customers.backfill import backfill_order_events
from ecrm_oscar.customers.models import CustomerProfile, ProfileBasis, Segment
from ecrm_oscar.testing.factories import create_customer, create_product, create_purchase
from ecrm_oscar.tracking.models import Event
from tests.customers.helpers import AS_OF, customer_with_orders, make_order, population

pytestmark = pytest.mark.django_db

THRESHOLDS = override_settings(ECRM_RFM_SCORING="thresholds")


def _fields(profile: CustomerProfile) -> dict:
    return {f: getattr(profile, f) for f in profiles.UPDATE_FIELDS if f != "computed_at"}


def _snapshot() -> dict[int, dict]:
    return {p.user_id: _fields(p) for p in CustomerProfile.objects.all()}


@THRESHOLDS
def test_profile_figures_from_orders():
    ann = customer_with_orders([100, 50, 150], [90, 60, 30], AS_OF)
    profiles.rebuild_profiles(as_of=AS_OF)
    p = CustomerProfile.objects.get(user=ann)
    assert p.orders_count == p.frequency == 3
    assert p.total_spent == p.monetary == Decimal("300.00")
    assert p.average_order_value == Decimal("100.00")
    assert p.first_order_at == AS_OF - timedelta(days=90)
    assert p.last_order_at == AS_OF - timedelta(days=30)
    assert p.recency_days == 30
    # thresholds: 30 days → R5; 3 orders → F3; 300 spent → M3; FM 3 → loyal
    assert (p.r_score, p.f_score, p.m_score, p.rfm_code) == (5, 3, 3, "533")
    assert p.rfm_segment == "loyal"
    basis = ProfileBasis.objects.get()
    fit = clv.PopulationFit(
        basis.rate_shape, basis.rate_scale, basis.value_mean, basis.value_weight
    )
    expected = clv.predict(clv.CustomerHistory(3, 300.0, 90.0, 60.0), fit, 365, 730)
    assert p.purchase_rate == pytest.approx(expected.rate)
    assert p.probability_active == pytest.approx(expected.p_active)
    assert p.predicted_clv == Decimal(str(round(expected.clv, 2)))
    assert p.next_order_expected_at == p.last_order_at + timedelta(days=expected.next_order_in_days)
    assert p.as_of == AS_OF and p.clv_horizon_days == 365


@THRESHOLDS
def test_excluded_statuses_and_guest_orders_do_not_count():
    bob = customer_with_orders([80], [10], AS_OF)
    make_order(bob, 1000, AS_OF - timedelta(days=5), status="Cancelled")
    make_order(None, 500, AS_OF - timedelta(days=5))  # a guest's order
    only_cancelled = create_customer()
    make_order(only_cancelled, 70, AS_OF - timedelta(days=3), status="Cancelled")
    report = profiles.rebuild_profiles(as_of=AS_OF)
    assert report.customers == 1
    p = CustomerProfile.objects.get(user=bob)
    assert (p.orders_count, p.total_spent) == (1, Decimal("80.00"))
    assert not CustomerProfile.objects.filter(user=only_cancelled).exists()


def test_quantile_scoring_uses_the_populations_breakpoints():
    population(AS_OF, size=30)
    profiles.rebuild_profiles(as_of=AS_OF)
    basis = ProfileBasis.objects.get()
    assert set(basis.breakpoints) == {"recency", "frequency", "monetary", "source"}
    assert basis.breakpoints["source"] == "quantiles"
    scores = list(CustomerProfile.objects.values_list("r_score", "f_score", "m_score"))
    assert len(scores) == 30
    for index in range(3):
        assert {s[index] for s in scores} >= {1, 5}  # the whole range is used
    assert set(CustomerProfile.objects.values_list("rfm_segment", flat=True)) - {""} >= {
        "champions",
        "lost",
    }


def test_a_few_customers_are_scored_by_the_thresholds():
    ann = customer_with_orders([100, 50, 150], [90, 60, 30], AS_OF)
    profiles.rebuild_profiles(as_of=AS_OF)  # quantile scoring, one customer
    assert ProfileBasis.objects.get().breakpoints["source"] == "thresholds"
    assert CustomerProfile.objects.get(user=ann).rfm_code == "533"


def test_reference_time_latest_order_measures_from_the_newest_order():
    customer_with_orders([10], [400], AS_OF)
    customer_with_orders([10], [0], AS_OF)
    with override_settings(ECRM_RFM_REFERENCE="latest_order"):
        assert profiles.reference_time() == AS_OF
    with override_settings(ECRM_RFM_REFERENCE="now"):
        assert profiles.reference_time() > AS_OF


@pytest.mark.parametrize("scoring", ["quantiles", "thresholds"])
def test_incremental_updates_equal_a_full_rebuild(
    scoring, django_capture_on_commit_callbacks, monkeypatch
):
    """Orders placed through Oscar update their customers' profiles one by one; a full
    rebuild on the same basis and reference time gives those customers the same rows.
    (The others' recency moves with the reference time, the newest order.)"""
    with override_settings(ECRM_RFM_SCORING=scoring, ECRM_RFM_REFERENCE="latest_order"):
        users = population(timezone.now() - timedelta(days=1), size=25)
        profiles.rebuild_profiles()
        newcomer = create_customer()
        enqueued = _spy_on_enqueue(monkeypatch)
        with django_capture_on_commit_callbacks(execute=True):
            for user, price in [(users[0], "12.00"), (users[3], "250.00"), (newcomer, "40.00")]:
                create_purchase(user, [(create_product(price=price), 1)])
        assert len(enqueued) == 3  # one update per order, sent after the commit
        touched = {users[0].pk, users[3].pk, newcomer.pk}
        incremental = {pk: row for pk, row in _snapshot().items() if pk in touched}
        assert incremental[newcomer.pk]["orders_count"] == 1
        assert incremental[users[3].pk]["recency_days"] == 0
        profiles.rebuild_profiles(refit=False)
        rebuilt = _snapshot()
        assert {pk: rebuilt[pk] for pk in touched} == incremental


def test_incremental_update_matches_on_a_fixed_reference_time():
    population(AS_OF, size=25)
    profiles.rebuild_profiles(as_of=AS_OF)
    ann = customer_with_orders([30, 60], [20, 2], AS_OF)
    profiles.update_profiles([ann.pk], as_of=AS_OF)
    after_update = _snapshot()
    profiles.rebuild_profiles(as_of=AS_OF, refit=False)
    assert _snapshot() == after_update
    assert after_update[ann.pk]["orders_count"] == 2


def test_first_update_without_a_basis_runs_a_full_rebuild():
    users = population(AS_OF, size=5)
    assert profiles.update_profiles([users[0].pk], as_of=AS_OF) is True
    assert CustomerProfile.objects.count() == 5
    assert ProfileBasis.objects.count() == 1


def test_cancelling_the_only_order_removes_the_profile(django_capture_on_commit_callbacks):
    ann = create_customer()
    with django_capture_on_commit_callbacks(execute=True):
        order = create_purchase(ann, [(create_product(price="20.00"), 1)])
    assert CustomerProfile.objects.filter(user=ann).exists()
    with django_capture_on_commit_callbacks(execute=True):
        order.set_status("Being processed")
        order.set_status("Cancelled")
    assert not CustomerProfile.objects.filter(user=ann).exists()


def _spy_on_enqueue(monkeypatch) -> list:
    """Record the customers receivers' own enqueues (other apps enqueue on orders too)."""
    from ecrm_oscar.customers import receivers

    calls = []
    real = receivers.enqueue_on_commit

    def spy(task, *args, **kwargs):
        calls.append(task.name)
        return real(task, *args, **kwargs)

    monkeypatch.setattr(receivers, "enqueue_on_commit", spy)
    return calls


def test_order_placed_only_enqueues_after_commit(django_capture_on_commit_callbacks, monkeypatch):
    ann = create_customer()
    enqueued = _spy_on_enqueue(monkeypatch)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        create_purchase(ann, [(create_product(), 1)])
    assert len(enqueued) == 1
    assert not CustomerProfile.objects.exists()  # nothing computed in the request
    for callback in callbacks:
        callback()
    assert CustomerProfile.objects.get(user=ann).orders_count == 1


def test_a_failing_profile_task_never_breaks_the_checkout(monkeypatch, settings):
    settings.ECRM_SAFE_RECEIVERS = True
    from ecrm_oscar.customers import receivers

    def broken(*args, **kwargs):
        raise RuntimeError("broker exploded")

    monkeypatch.setattr(receivers, "enqueue_on_commit", broken)
    order = create_purchase(create_customer(), [(create_product(), 1)])
    assert order.pk and order.number


def test_full_rebuild_is_set_based(django_assert_max_num_queries):
    population(AS_OF, size=40)
    with django_assert_max_num_queries(12):
        profiles.rebuild_profiles(as_of=AS_OF)
    assert CustomerProfile.objects.count() == 40


def test_rebuild_command_reports_and_is_skipped_when_up_to_date(capsys):
    population(AS_OF, size=6)
    call_command("ecrm_rebuild_profiles", "-v2")
    out = capsys.readouterr().out
    assert "Rebuilt 6 customer profiles and 7 segments" in out
    assert "champions" in out
    assert Segment.objects.filter(kind=Segment.Kind.RFM).count() == 7
    call_command("ecrm_rebuild_profiles", "--if-needed")
    assert "up to date" in capsys.readouterr().out
    make_order(create_customer(), 10, AS_OF)
    call_command("ecrm_rebuild_profiles", "--if-needed", "--keep-basis")
    assert "Rebuilt 7 customer profiles" in capsys.readouterr().out


def test_rebuild_removes_stale_profiles():
    ann = customer_with_orders([10], [3], AS_OF)
    profiles.rebuild_profiles(as_of=AS_OF)
    ann.orders.update(status="Cancelled")
    report = profiles.rebuild_profiles(as_of=AS_OF)
    assert report.removed == 1 and not CustomerProfile.objects.exists()


def test_rfm_segments_are_created_once():
    assert segments.ensure_rfm_segments() == 7
    assert segments.ensure_rfm_segments() == 0
    assert set(Segment.objects.values_list("slug", flat=True)) == {
        "champions",
        "loyal",
        "potential",
        "new",
        "at-risk",
        "hibernating",
        "lost",
    }


def test_backfill_writes_one_event_per_imported_order_and_is_idempotent(
    django_capture_on_commit_callbacks,
):
    ann = customer_with_orders([10, 20], [30, 3], AS_OF)
    make_order(None, 99, AS_OF)  # guest: no timeline
    live = create_purchase(create_customer(), [(create_product(), 1)])
    assert Event.objects.filter(type="order_placed", order=live).count() == 1  # tracking's
    assert backfill_order_events() == 2
    events = Event.objects.filter(user=ann).order_by("created_at")
    assert [e.value for e in events] == [Decimal("10.00"), Decimal("20.00")]
    assert {e.channel for e in events} == {"import"}
    assert events[0].created_at == AS_OF - timedelta(days=30)
    assert events[0].payload["number"] == events[0].order.number
    assert backfill_order_events() == 0
    call_command("ecrm_backfill_events")
    assert Event.objects.filter(type="order_placed").count() == 3

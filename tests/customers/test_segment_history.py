"""RFM segment history: changes recorded by every recompute, the backfill from past orders,
the KPI movements and the 360° page."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils.timezone import localdate

from ecrm_oscar.customers import history, profiles
from ecrm_oscar.customers.models import CustomerProfile, SegmentChange
from ecrm_oscar.dashboard import overview
from ecrm_oscar.dashboard.kpi_registry import period_for
from ecrm_oscar.testing.factories import create_customer
from tests.customers.helpers import AS_OF, customer_with_orders, make_order, population

pytestmark = pytest.mark.django_db

THRESHOLDS = override_settings(ECRM_RFM_SCORING="thresholds")


def _moves(user) -> list[tuple[str, str]]:
    return list(
        SegmentChange.objects.filter(user=user)
        .order_by("changed_at", "pk")
        .values_list("from_segment", "to_segment")
    )


@THRESHOLDS
def test_recomputes_record_each_segment_change_once():
    ann = customer_with_orders([900, 900, 900, 900, 900], [5, 10, 15, 20, 25], AS_OF)
    profiles.rebuild_profiles(as_of=AS_OF)
    assert _moves(ann) == [("", "champions")]
    assert SegmentChange.objects.get(user=ann).changed_at == AS_OF
    profiles.rebuild_profiles(as_of=AS_OF)  # nothing moved: nothing recorded
    assert _moves(ann) == [("", "champions")]
    later = AS_OF + timedelta(days=200)  # silent for 205 days: at risk
    profiles.rebuild_profiles(as_of=later, refit=False)
    assert _moves(ann) == [("", "champions"), ("champions", "at-risk")]
    make_order(ann, 50, later)  # an incremental update after a new order
    profiles.update_profiles([ann.pk], as_of=later)
    assert _moves(ann)[-1] == ("at-risk", "champions")
    ann.orders.update(status="Cancelled")
    profiles.update_profiles([ann.pk], as_of=later)
    assert _moves(ann)[-1] == ("champions", "")
    assert not CustomerProfile.objects.filter(user=ann).exists()


def test_recording_costs_constant_queries_per_batch(django_assert_max_num_queries):
    population(AS_OF, size=40)
    with django_assert_max_num_queries(14):
        report = profiles.rebuild_profiles(as_of=AS_OF)
    assert report.segment_changes == 40 == SegmentChange.objects.count()


@THRESHOLDS
def test_backfill_reconstructs_monthly_segments_and_joins_the_recorded_history():
    """Ann bought a lot in November and December, then went silent; the backfill finds
    her a champion, then loyal, and joins her recorded move to at risk."""
    first = datetime(2023, 11, 1, 12, tzinfo=UTC)
    ann = create_customer(email="ann@example.com")
    for day in range(0, 50, 5):  # ten orders of 300, the last on 16 December
        make_order(ann, 300, first + timedelta(days=day))
    bob = customer_with_orders([20], [1], AS_OF)  # a first order just before the rebuild
    profiles.rebuild_profiles(as_of=AS_OF)
    assert _moves(ann) == [("", "at-risk")]  # 197 days silent
    report = history.backfill_segment_history()
    assert report.months == 7 and report.until == AS_OF  # 1 Dec 2023 ... 1 Jun 2024
    moves = _moves_full(ann)
    assert [(localdate(m[0]).isoformat(), m[1], m[2], m[3]) for m in moves] == [
        ("2023-12-01", "", "champions", "backfill"),  # 6 orders, 5 days ago
        ("2024-04-01", "champions", "loyal", "backfill"),  # 106 days: R3
        (localdate(AS_OF).isoformat(), "loyal", "at-risk", "recompute"),  # recorded, joined
    ]
    assert _moves(bob) == [("", "new")]  # no past: only the recorded change
    # idempotent: a second run replaces the reconstruction
    again = history.backfill_segment_history()
    assert again.written == report.written
    assert _moves_full(ann) == moves


def _moves_full(user):
    return list(
        SegmentChange.objects.filter(user=user)
        .order_by("changed_at", "pk")
        .values_list("changed_at", "from_segment", "to_segment", "source")
    )


@THRESHOLDS
def test_backfill_bridges_to_a_profile_that_was_never_recorded(capsys):
    """An install upgraded with profiles computed before the history existed."""
    ann = customer_with_orders([300, 300], [100, 90], AS_OF)
    profiles.rebuild_profiles(as_of=AS_OF)
    SegmentChange.objects.all().delete()
    CustomerProfile.objects.filter(user=ann).update(rfm_segment="loyal")
    call_command("ecrm_backfill_segment_history")
    assert "Reconstructed 3 months" in capsys.readouterr().out
    assert _moves(ann)[-1][1] == "loyal"
    call_command("ecrm_backfill_segment_history", "--if-empty")
    assert "already reconstructed" in capsys.readouterr().out


@THRESHOLDS
def test_kpi_shows_movements_of_both_periods():
    ann = customer_with_orders([900] * 5, [5, 10, 15, 20, 25], AS_OF)
    profiles.rebuild_profiles(as_of=AS_OF)
    profiles.rebuild_profiles(as_of=AS_OF + timedelta(days=200), refit=False)
    SegmentChange.objects.filter(user=ann, from_segment="").update(
        changed_at=AS_OF - timedelta(days=10)
    )
    choice = overview.choose_period({"preset": "custom", "start": AS_OF.date()})
    choice.period = period_for(AS_OF.date(), (AS_OF + timedelta(days=200)).date())
    values = {f["key"]: f for f in overview.overview(choice)["all"]}
    moved = values["customers.rfm_moved.champions.at-risk"]
    assert (moved["value"], moved["previous"]) == (1, 0)
    assert str(moved["label"]) == "Champions → At risk"
    entered = values["customers.rfm_moved.none.champions"]
    assert (entered["value"], entered["previous"]) == (0, 1)
    assert values["customers.rfm_joined.at-risk"]["value"] == 1
    assert values["customers.rfm_joined.champions"]["previous"] == 1
    assert "period" in str(moved["help"])


@THRESHOLDS
def test_the_360_page_shows_the_segment_history(client):
    ann = customer_with_orders([900] * 5, [5, 10, 15, 20, 25], AS_OF)
    profiles.rebuild_profiles(as_of=AS_OF)
    profiles.rebuild_profiles(as_of=AS_OF + timedelta(days=200), refit=False)
    client.force_login(create_customer("admin@example.com", is_staff=True))
    html = client.get(
        reverse("ecrm:dashboard:ecrm-customer-detail", kwargs={"pk": ann.pk})
    ).content.decode()
    assert 'id="ecrm-segment-history"' in html
    assert "no profile" in html and "At risk" in html and "Profile recompute" in html

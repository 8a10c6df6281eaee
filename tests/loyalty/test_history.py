"""Backfilling points for existing order history, and the demo's loyalty command."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from oscar.core.loading import get_model

from ecrm_oscar.loyalty import history
from ecrm_oscar.loyalty.audit import mismatches
from ecrm_oscar.loyalty.models import Kind, LedgerEntry, LoyaltyAccount, Tier
from ecrm_oscar.testing.factories import create_customer, create_product, create_purchase

pytestmark = pytest.mark.django_db

D = Decimal
Order = get_model("order", "Order")
TINY = Path(__file__).resolve().parents[1] / "data" / "online_retail_tiny.csv"


def past_order(user, price, days_ago, status="Complete"):
    order = create_purchase(
        user, [(create_product(price=price), 1)],
        placed_at=timezone.now() - timedelta(days=days_ago),
    )  # fmt: skip
    Order.objects.filter(pk=order.pk).update(status=status)
    return order


def test_backfill_awards_history_once_with_the_tier_of_the_time(program, tiers):
    # placed before the programme existed: no receivers ran (create_purchase's on_commit
    # callbacks are not executed in this test)
    user = create_customer()
    past_order(user, "600.00", days_ago=300)  # no tier yet: ×1 → 600; reaches Gold (500)
    later = past_order(user, "100.00", days_ago=200)  # Gold at the time: ×1.5 → 150
    pending = past_order(user, "10.00", days_ago=5, status="Shipped")  # not confirmed yet
    cancelled = past_order(user, "50.00", days_ago=100, status="Cancelled")
    create_purchase(None)  # a guest order
    report = history.backfill()
    assert (report.orders, report.points) == (4, 600 + 150 + 15 + 75)
    assert LedgerEntry.objects.get(order=later, kind=Kind.EARN_PENDING).pending == 150
    assert LedgerEntry.objects.get(order=later, kind=Kind.EARN_PENDING).detail["rate"] == "1.5"
    account = LoyaltyAccount.objects.get(user=user)
    # Complete orders confirmed; the shipped one pending; cancelled ones are awarded as
    # the live rules would have and stay pending (their status changes were never seen).
    assert not LedgerEntry.objects.filter(order=pending, kind=Kind.CONFIRM).exists()
    assert account.balance == 750 and account.pending == 15 + 75
    assert account.tier == tiers["gold"]  # 710 spent in the last year (cancelled excluded)
    assert LedgerEntry.objects.filter(order=cancelled).exists()
    again = history.backfill()
    assert again.orders == 0 and LedgerEntry.objects.count() == 4 + 2  # 2 confirmed
    assert mismatches() == []


def test_backfill_skips_orders_the_live_receivers_awarded(program, buy):
    user = create_customer()
    live = buy(user, ("20.00", 1))  # through the receivers
    report = history.backfill()
    assert report.orders == 0
    assert LedgerEntry.objects.filter(order=live, kind=Kind.EARN_PENDING).count() == 1


def test_tiers_are_measured_as_of_a_chosen_moment(program, tiers):
    user = create_customer()
    past_order(user, "200.00", days_ago=800)
    history.backfill()
    assert LoyaltyAccount.objects.get(user=user).tier is None  # as of now: too long ago
    history.place_in_tiers(as_of=timezone.now() - timedelta(days=700))
    assert LoyaltyAccount.objects.get(user=user).tier == tiers["silver"]


def test_backfill_command(program):
    past_order(create_customer(), "12.00", days_ago=3)
    out = io.StringIO()
    call_command("ecrm_loyalty_backfill", "--as-of", "latest", stdout=out)
    assert "Awarded 1 orders (12 points) to 1 customers" in out.getvalue()
    out = io.StringIO()
    call_command("ecrm_loyalty_backfill", stdout=out)
    assert "nothing to do" in out.getvalue()


def ensure_wagtail_root():
    """The loader puts its pages under Wagtail's root, which a transactional test run
    earlier on a reused database may have flushed away."""
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale, Page

    if Page.get_first_root_node() is None:
        language = get_supported_content_language_variant(settings.LANGUAGE_CODE)
        locale, _ = Locale.objects.get_or_create(language_code=language)
        Page.add_root(instance=Page(title="Root", slug="root", locale=locale))


def test_the_demo_command_sets_up_the_programme_from_the_real_history():
    ensure_wagtail_root()
    call_command("ecrm_load_demo", "--file", str(TINY), stdout=io.StringIO())
    out = io.StringIO()
    call_command("ecrm_loyalty_demo", stdout=out)
    text = out.getvalue()
    assert "Loyalty tiers created" in text and "Tiers as of" in text
    assert [t.name for t in Tier.objects.all()] == ["Silver", "Gold"]
    customers = Order.objects.exclude(user=None).values("user").distinct().count()
    assert LoyaltyAccount.objects.count() == customers > 0
    # every customer order worth at least £1 (one point) earned
    orders = Order.objects.exclude(user=None).filter(total_incl_tax__gte=1).count()
    assert LedgerEntry.objects.filter(kind=Kind.EARN_PENDING).count() == orders
    # the demo orders are "Complete": every point is confirmed and spendable
    assert LoyaltyAccount.objects.filter(pending__gt=0).count() == 0
    total = sum(LoyaltyAccount.objects.values_list("balance", flat=True))
    assert total > 0
    out = io.StringIO()
    call_command("ecrm_loyalty_demo", stdout=out)
    assert "nothing to do" in out.getvalue() and "Loyalty tiers created" not in out.getvalue()
    assert mismatches() == []


@pytest.mark.django_db(transaction=True)
def test_backfill_on_parallel_writers(program):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("parallel writers need PostgreSQL (SQLite's test database is per thread)")
    from unittest import mock

    users = [create_customer() for _ in range(7)]
    # history from before the programme: the live receivers must not award it (here every
    # statement commits at once, so they would)
    with mock.patch("ecrm_oscar.loyalty.receivers.enqueue_on_commit"):
        for number, user in enumerate(users):
            for days in (30, 60):
                past_order(user, f"{10 + number}.00", days_ago=days)
    report = history.backfill(workers=3)
    assert report.orders == 14 and report.customers == 7
    assert history.backfill(workers=3).orders == 0
    assert LedgerEntry.objects.filter(kind=Kind.EARN_PENDING).count() == 14
    assert mismatches() == []


def test_parallel_writers_refuse_to_run_inside_a_transaction(program):
    past_order(create_customer(), "10.00", days_ago=3)
    with pytest.raises(RuntimeError, match="inside a transaction"):
        history.backfill(workers=2)

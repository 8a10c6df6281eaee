"""The loyalty tier condition in the customers app's segment editor."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from ecrm_oscar.customers import rules, segments, services
from ecrm_oscar.customers.models import Segment, SegmentRule
from ecrm_oscar.loyalty import facade, history
from ecrm_oscar.loyalty import services as loyalty_services
from ecrm_oscar.testing.factories import create_customer

pytestmark = pytest.mark.django_db


def _tier_segment(tier, slug="gold-members"):
    segment = Segment.objects.create(name=slug, slug=slug)
    SegmentRule.objects.create(
        segment=segment, kind="loyalty_tier", params={"choice": str(tier.pk)}
    )
    return segment


def test_the_rule_is_registered_with_the_tiers_as_choices(tiers):
    rule_type = rules.get("loyalty_tier")
    assert rule_type is not None
    assert [label for _value, label in rule_type.choices()] == ["Silver", "Gold"]
    gold = tiers["gold"]
    assert rules.clean_params("loyalty_tier", {"choice": str(gold.pk)}) == {"choice": str(gold.pk)}
    with pytest.raises(ValidationError):
        rules.clean_params("loyalty_tier", {"choice": "999999"})
    assert rules.describe("loyalty_tier", {"choice": str(gold.pk)}) == "Loyalty tier is Gold"


def test_membership_follows_the_tier(tiers, django_capture_on_commit_callbacks):
    ann, bob = create_customer(), create_customer()
    segment = _tier_segment(tiers["gold"])
    facade.set_tier(ann, tiers["gold"])
    facade.set_tier(bob, tiers["silver"])
    segments.rebuild_segments([segment])
    assert services.segments_for(ann) == {"gold-members"}
    assert services.segments_for(bob) == set()

    # A tier change announced by the loyalty app refreshes that customer's memberships.
    with django_capture_on_commit_callbacks(execute=True):
        facade.set_tier(bob, tiers["gold"])
        loyalty_services.segment_rules.tier_changed(bob.pk)
    assert services.segments_for(bob) == {"gold-members"}


def test_update_tier_refreshes_segments(tiers, monkeypatch, django_capture_on_commit_callbacks):
    ann = create_customer()
    segment = _tier_segment(tiers["gold"])
    monkeypatch.setattr(loyalty_services, "tier_value", lambda *a, **k: Decimal("800"))
    with django_capture_on_commit_callbacks(execute=True):
        assert loyalty_services.update_tier(ann, notify=False) == tiers["gold"]
    assert set(segment.memberships.values_list("user_id", flat=True)) == {ann.pk}


def test_bulk_placement_rebuilds_tier_segments(
    tiers, monkeypatch, django_capture_on_commit_callbacks
):
    ann, bob = create_customer(), create_customer()
    for user in (ann, bob):
        facade.set_tier(user, None)  # opens the accounts
    segment = _tier_segment(tiers["silver"], slug="silver-members")
    values = {ann.pk: Decimal("150"), bob.pk: Decimal("20")}
    monkeypatch.setattr(loyalty_services, "tier_values", lambda **kwargs: values)
    with django_capture_on_commit_callbacks(execute=True):
        history.place_in_tiers()
    assert set(segment.memberships.values_list("user_id", flat=True)) == {ann.pk}

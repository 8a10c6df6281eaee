"""Segment rules, membership (full and incremental), segments_for, the rule registry."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone
from oscar.test.factories import create_product as oscar_create_product

from ecrm_oscar.customers import profiles, receivers, rules, segments, services, tasks
from ecrm_oscar.customers.models import Segment, SegmentMembership, SegmentRule
from ecrm_oscar.testing.factories import create_customer, create_product, create_purchase
from ecrm_oscar.tracking import capture
from ecrm_oscar.tracking.models import Event
from tests.customers.helpers import AS_OF, customer_with_orders, events, make_order

pytestmark = pytest.mark.django_db


def _match(kind, params, as_of=AS_OF, **kwargs):
    return segments.evaluate("rules", "all", [segments.Rule(kind, params)], as_of=as_of, **kwargs)


def _segment(slug, *conditions, match="all", **fields):
    segment = Segment.objects.create(name=slug.title(), slug=slug, match=match, **fields)
    for position, (kind, params) in enumerate(conditions):
        SegmentRule.objects.create(segment=segment, kind=kind, params=params, position=position)
    return segment


@pytest.fixture
def tree():
    from oscar.apps.catalogue.categories import create_from_breadcrumbs

    kitchen = create_from_breadcrumbs("Segment kitchen")
    mugs = create_from_breadcrumbs("Segment kitchen > Segment mugs")
    garden = create_from_breadcrumbs("Segment garden")
    return kitchen, mugs, garden


def test_spent_more_than_all_time_and_in_a_window():
    big = customer_with_orders([300, 300], [200, 100], AS_OF)
    recent = customer_with_orders([150], [5], AS_OF)
    small = customer_with_orders([20], [5], AS_OF)
    make_order(small, 5000, AS_OF - timedelta(days=1), status="Cancelled")
    assert _match("spent_more_than", {"amount": "100.00"})[0] == {big.pk, recent.pk}
    assert _match("spent_more_than", {"amount": "100.00", "days": 30})[0] == {recent.pk}
    assert _match("spent_more_than", {"amount": "600.00"})[0] == set()  # "more than"


def test_ordered_at_least():
    three = customer_with_orders([1, 1, 1], [300, 100, 10], AS_OF)
    one = customer_with_orders([1], [10], AS_OF)
    assert _match("ordered_at_least", {"count": 3})[0] == {three.pk}
    assert _match("ordered_at_least", {"count": 1})[0] == {three.pk, one.pk}
    assert _match("ordered_at_least", {"count": 2, "days": 150})[0] == {three.pk}
    assert _match("ordered_at_least", {"count": 3, "days": 150})[0] == set()


def test_not_ordered_in_only_matches_customers_who_ordered_before():
    lapsed = customer_with_orders([10], [120], AS_OF)
    active = customer_with_orders([10, 10], [120, 10], AS_OF)
    create_customer()  # never ordered
    assert _match("not_ordered_in", {"days": 90})[0] == {lapsed.pk}
    assert _match("not_ordered_in", {"days": 200})[0] == set()
    assert active.pk not in _match("not_ordered_in", {"days": 30})[0]


def test_viewed_category_counts_category_pages_and_products_in_the_subtree(tree):
    kitchen, mugs, garden = tree
    mug = oscar_create_product(title="Mug")
    mug.categories.add(mugs)
    ann, bob, cat, dan = (create_customer() for _ in range(4))
    events(ann, type="category_viewed", category=mugs)  # a sub-category page
    events(bob, type="product_viewed", product=mug)  # a product in it
    events(cat, type="category_viewed", category=garden)
    events(
        dan,
        type="category_viewed",
        category=kitchen,
        created_at=timezone.now() - timedelta(days=40),
    )
    events(visitor_id="v-anon", type="category_viewed", category=kitchen)
    users, visitors = _match("viewed_category", {"category": kitchen.pk}, as_of=timezone.now())
    assert users == {ann.pk, bob.pk, dan.pk}
    assert visitors == {"v-anon"}
    recent, _ = _match(
        "viewed_category", {"category": kitchen.pk, "days": 30}, as_of=timezone.now()
    )
    assert recent == {ann.pk, bob.pk}
    assert _match("viewed_category", {"category": garden.pk}, as_of=timezone.now())[0] == {cat.pk}


def test_viewed_product_includes_variants():
    parent = oscar_create_product(title="T-shirt", structure="parent")
    child = oscar_create_product(title="T-shirt, red", parent=parent, structure="child")
    other = create_product()
    ann, bob = create_customer(), create_customer()
    events(ann, type="product_viewed", product=child)
    events(bob, type="product_viewed", product=other)
    events(bob, type="basket_added", product=parent)  # not a view
    assert _match("viewed_product", {"product": parent.pk}, as_of=timezone.now())[0] == {ann.pk}


def test_rfm_segment_rule():
    champion = customer_with_orders([900] * 9, [200, 150, 120, 90, 60, 30, 20, 10, 2], AS_OF)
    lost = customer_with_orders([10], [500], AS_OF)
    with override_settings(ECRM_RFM_SCORING="thresholds"):
        profiles.rebuild_profiles(as_of=AS_OF)
    assert _match("rfm_segment", {"rfm_segment": "champions"})[0] == {champion.pk}
    assert _match("rfm_segment", {"rfm_segment": "lost"})[0] == {lost.pk}


def test_match_all_and_any(tree):
    kitchen = tree[0]
    spender = customer_with_orders([500], [5], AS_OF)
    browser = create_customer()
    both = customer_with_orders([500], [5], AS_OF)
    events(browser, type="category_viewed", category=kitchen, created_at=AS_OF)
    events(both, type="category_viewed", category=kitchen, created_at=AS_OF)
    events(visitor_id="v1", type="category_viewed", category=kitchen, created_at=AS_OF)
    conditions = [
        segments.Rule("spent_more_than", {"amount": "100"}),
        segments.Rule("viewed_category", {"category": kitchen.pk}),
    ]
    users, visitors = segments.evaluate("rules", "all", conditions, as_of=AS_OF)
    assert (users, visitors) == ({both.pk}, set())  # visitors cannot have spent
    users, visitors = segments.evaluate("rules", "any", conditions, as_of=AS_OF)
    assert (users, visitors) == ({spender.pk, browser.pk, both.pk}, {"v1"})


def test_unknown_rule_type_matches_nobody(caplog):
    customer_with_orders([500], [5], AS_OF)
    users, _ = segments.evaluate("rules", "any", [segments.Rule("gone_app_rule", {})], as_of=AS_OF)
    assert users == set() and "not installed" in caplog.text


def test_rebuild_writes_only_the_difference():
    ann = customer_with_orders([500], [5], AS_OF)
    bob = customer_with_orders([50], [5], AS_OF)
    big = _segment("big", ("spent_more_than", {"amount": "100"}))
    off = _segment("off", ("spent_more_than", {"amount": "1"}), active=False)
    assert segments.rebuild_segments(as_of=AS_OF) == {"big": 1, "off": 0}
    big.refresh_from_db()
    assert big.members_count == 1 and big.rebuilt_at
    assert set(big.memberships.values_list("user_id", flat=True)) == {ann.pk}
    first_id = big.memberships.get().pk
    make_order(bob, 500, AS_OF - timedelta(days=1))
    segments.rebuild_segments(as_of=AS_OF)
    assert set(big.memberships.values_list("user_id", flat=True)) == {ann.pk, bob.pk}
    assert big.memberships.filter(pk=first_id).exists()  # kept, not rewritten
    assert not off.memberships.exists()


def test_membership_follows_an_order(django_capture_on_commit_callbacks):
    _segment("big-spenders", ("spent_more_than", {"amount": "100"}))
    ann = create_customer()
    assert services.segments_for(ann) == frozenset()  # cached as empty
    with django_capture_on_commit_callbacks(execute=True):
        create_purchase(ann, [(create_product(price="150.00"), 1)])
    assert "big-spenders" in services.segments_for(ann)
    assert Segment.objects.get(slug="big-spenders").members_count == 1


def test_membership_follows_an_event(tree, django_capture_on_commit_callbacks):
    kitchen = tree[0]
    _segment("kitchen-fans", ("viewed_category", {"category": kitchen.pk}))
    ann = create_customer()
    assert services.segments_for(ann, "v-ann") == frozenset()
    with django_capture_on_commit_callbacks(execute=True):
        capture.record("category_viewed", user=ann, category=kitchen)
        capture.record("category_viewed", visitor_id="v-zoe", category=kitchen)
    assert services.segments_for(ann) == {"kitchen-fans"}
    assert services.segments_for(visitor_id="v-zoe") == {"kitchen-fans"}
    assert SegmentMembership.objects.filter(visitor_id="v-zoe", user__isnull=True).count() == 1


def test_editing_segments_retires_the_cached_event_types(tree):
    assert segments.relevant_event_types() == frozenset()
    segment = _segment("kitchen-fans", ("viewed_category", {"category": tree[0].pk}))
    assert "category_viewed" in segments.relevant_event_types()
    segment.rules.all().delete()
    assert segments.relevant_event_types() == frozenset()


def test_irrelevant_events_cost_nothing(
    tree, django_capture_on_commit_callbacks, django_assert_num_queries
):
    _segment("kitchen-fans", ("viewed_category", {"category": tree[0].pk}))
    segments.relevant_event_types()  # cached once per segment change
    ann = create_customer()
    with django_capture_on_commit_callbacks() as callbacks, django_assert_num_queries(1):
        Event.objects.create(type="searched", user=ann, query="mugs")  # the INSERT only
    assert callbacks == []


def test_event_refreshes_are_delayed_and_coalesced_with_a_broker(tree, settings, monkeypatch):
    settings.ECRM_SEGMENTS_REFRESH_DELAY = 60
    monkeypatch.setattr(tasks, "runs_inline", lambda: False)
    _segment("kitchen-fans", ("viewed_category", {"category": tree[0].pk}))
    ann = create_customer()
    viewed = Event(type="category_viewed", user=ann, category=tree[0])
    with (
        mock.patch.object(tasks.refresh_segments, "apply_async") as send,
        mock.patch("django.db.transaction.on_commit", side_effect=lambda f, using=None: f()),
    ):
        for _ in range(3):
            receivers.on_events_recorded(Event, events=[viewed])
    assert send.call_count == 1
    assert send.call_args.kwargs["countdown"] == 60
    assert send.call_args.kwargs["kwargs"]["user_id"] == ann.pk


def test_segments_for_is_cached_and_invalidated(django_assert_num_queries):
    ann = customer_with_orders([500], [5], AS_OF)
    big = _segment("big", ("spent_more_than", {"amount": "100"}))
    segments.rebuild_segments(as_of=AS_OF)
    assert services.segments_for(ann) == {"big"}
    with django_assert_num_queries(0):
        assert services.segments_for(ann) == {"big"}
        assert services.in_segment("big", ann)
        assert services.segments_for(None) == frozenset()
    big.active = False
    big.save()  # however a segment is changed, the cached answers are retired
    assert services.segments_for(ann) == frozenset()


def test_incremental_refresh_moves_rfm_membership_in_a_few_queries(
    django_assert_max_num_queries,
):
    ann = customer_with_orders([50], [2], AS_OF)
    segments.ensure_rfm_segments()
    with override_settings(ECRM_RFM_SCORING="thresholds"):
        profiles.rebuild_profiles(as_of=AS_OF)
        segments.rebuild_segments(as_of=AS_OF)
        assert services.segments_for(ann) == {"new"}
        for days in range(1, 9):
            make_order(ann, 200, AS_OF - timedelta(days=days))
        profiles.update_profiles([ann.pk], as_of=AS_OF)
        with django_assert_max_num_queries(12):  # 7 segments: read 4, write 5, savepoint 2
            assert segments.refresh_subject(user_id=ann.pk, trigger="order", as_of=AS_OF)
        with django_assert_max_num_queries(5):  # nothing changed: nothing written
            assert not segments.refresh_subject(user_id=ann.pk, trigger="order", as_of=AS_OF)
    assert services.segments_for(ann) == {"champions"}
    counts = dict(Segment.objects.values_list("slug", "members_count"))
    assert (counts["new"], counts["champions"]) == (0, 1)


def test_segments_for_answers_from_the_database_when_the_cache_is_down(monkeypatch):
    from django.core.cache import cache

    ann = customer_with_orders([500], [5], AS_OF)
    SegmentMembership.objects.create(
        segment=_segment("big", ("spent_more_than", {"amount": "100"})), user=ann
    )

    def down(*args, **kwargs):
        raise ConnectionError("cache is down")

    for method in ("get", "get_many", "set", "add", "incr", "delete_many"):
        monkeypatch.setattr(cache, method, down)
    assert services.segments_for(ann, "v-ann") == {"big"}
    segments.invalidate(user_id=ann.pk)  # logged, not raised


def test_segments_for_unions_user_and_visitor():
    ann = customer_with_orders([500], [5], AS_OF)
    big = _segment("big", ("spent_more_than", {"amount": "100"}))
    browsers = _segment("browsers", ("viewed_product", {"product": create_product().pk}))
    SegmentMembership.objects.create(segment=big, user=ann)
    SegmentMembership.objects.create(segment=browsers, visitor_id="v-ann")
    assert services.segments_for(ann, "v-ann") == {"big", "browsers"}
    assert services.segments_for(ann.pk) == {"big"}
    assert services.segments_for(visitor_id="v-ann") == {"browsers"}


def test_rfm_segments_follow_profiles():
    champion = customer_with_orders([900] * 9, [200, 150, 120, 90, 60, 30, 20, 10, 2], AS_OF)
    segments.ensure_rfm_segments()
    with override_settings(ECRM_RFM_SCORING="thresholds"):
        profiles.rebuild_profiles(as_of=AS_OF)
    segments.rebuild_segments(as_of=AS_OF)
    assert services.segments_for(champion) == {"champions"}


@pytest.fixture
def tier_rule():
    tiers = {"gold": set(), "silver": set()}
    rule = rules.register(
        rules.RuleType(
            code="test_loyalty_tier",
            label="Loyalty tier is",
            inputs=("choice",),
            choices=lambda: [("gold", "Gold"), ("silver", "Silver")],
            match_users=lambda params, users, as_of: {
                u for u in tiers[params["choice"]] if users is None or u in users
            },
            describe=lambda params: f"Loyalty tier is {params['choice']}",
        )
    )
    yield tiers
    rules.unregister(rule.code)


def test_other_apps_register_rule_types(tier_rule):
    ann = create_customer()
    tier_rule["gold"].add(ann.pk)
    assert rules.clean_params("test_loyalty_tier", {"choice": "gold"}) == {"choice": "gold"}
    with pytest.raises(ValidationError) as error:
        rules.clean_params("test_loyalty_tier", {"choice": "platinum"})
    assert "choice" in error.value.message_dict
    gold = _segment("gold", ("test_loyalty_tier", {"choice": "gold"}))
    segments.rebuild_segments([gold])
    assert services.segments_for(ann) == {"gold"}
    assert str(gold.rules.get()) == "Loyalty tier is gold"
    with pytest.raises(ValueError):
        rules.register(rules.RuleType("x" * 41, "x", (), lambda *a: set(), str))
    with pytest.raises(ValueError):
        rules.register(rules.RuleType("bad_inputs", "x", ("colour",), lambda *a: set(), str))


def test_refresh_segments_service_enqueues_after_commit(
    tier_rule, django_capture_on_commit_callbacks
):
    ann = create_customer()
    _segment("gold", ("test_loyalty_tier", {"choice": "gold"}))
    tier_rule["gold"].add(ann.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.refresh_segments(user_id=ann.pk)
    assert services.segments_for(ann) == {"gold"}


BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko Firefox/128.0"}


def test_anonymous_behaviour_follows_the_visitor_into_the_account(
    client, django_capture_on_commit_callbacks
):
    """Through tracking's middleware and receivers: a product view makes the anonymous
    visitor a member; the login joins the history, and the membership moves with it."""
    from django.urls import reverse

    product = create_product()
    _segment("mug-fans", ("viewed_product", {"product": product.pk}))
    ann = create_customer("ann@example.com", password="ann-password")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(product.get_absolute_url(), **BROWSER).status_code == 200
    visitor_id = Event.objects.get(type="product_viewed").visitor_id
    assert visitor_id
    assert services.segments_for(visitor_id=visitor_id) == {"mug-fans"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("customer:login"),
            {
                "login-username": "ann@example.com",
                "login-password": "ann-password",
                "login_submit": "1",
            },
            **BROWSER,
        )
    assert response.status_code == 302
    assert Event.objects.get(type="product_viewed").user == ann
    assert "mug-fans" in services.segments_for(ann)
    assert not SegmentMembership.objects.filter(visitor_id=visitor_id).exists()

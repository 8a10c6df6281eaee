"""The segment editor: create and edit with a rules formset, preview, delete, bad input."""

import pytest
from django.urls import reverse

from ecrm_oscar.customers import segments
from ecrm_oscar.customers.models import Segment, SegmentMembership
from ecrm_oscar.testing.factories import create_customer, create_product
from tests.customers.helpers import AS_OF, customer_with_orders

pytestmark = pytest.mark.django_db

CREATE = reverse("ecrm:dashboard:ecrm-segment-create")
LIST = reverse("ecrm:dashboard:ecrm-segment-list")


def update_url(segment) -> str:
    return reverse("ecrm:dashboard:ecrm-segment-update", kwargs={"pk": segment.pk})


@pytest.fixture
def admin(client):
    user = create_customer("root@example.com", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


@pytest.fixture
def category():
    from oscar.apps.catalogue.categories import create_from_breadcrumbs

    return create_from_breadcrumbs("Segment kitchen > Segment mugs")


def form_data(name="Big spenders", slug="", match="all", rules=(), initial=0, **extra):
    data = {
        "name": name,
        "slug": slug,
        "description": "",
        "active": "on",
        "match": match,
        "rules-TOTAL_FORMS": str(len(rules)),
        "rules-INITIAL_FORMS": str(initial),
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "20",
    }
    for index, rule in enumerate(rules):
        for key, value in rule.items():
            data[f"rules-{index}-{key}"] = value
    data.update(extra)
    return data


def test_create_a_rule_segment(client, admin, category, django_capture_on_commit_callbacks):
    spender = customer_with_orders([500], [5], AS_OF)
    customer_with_orders([50], [5], AS_OF)
    rules = [
        {"kind": "spent_more_than", "amount": "100", "days": ""},
        {"kind": "viewed_category", "category": str(category.pk), "days": "30"},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CREATE, form_data(match="any", rules=rules))
    assert response.status_code == 302 and response.url == LIST
    segment = Segment.objects.get(slug="big-spenders")
    assert segment.match == "any" and segment.kind == "rules"
    assert [(r.kind, r.params, r.position) for r in segment.rules.all()] == [
        ("spent_more_than", {"amount": "100.00"}, 0),
        ("viewed_category", {"category": category.pk, "days": 30}, 1),
    ]
    # members were computed after the commit (a task)
    assert list(segment.memberships.values_list("user_id", flat=True)) == [spender.pk]
    page = client.get(LIST).content.decode()
    assert "Spent more than 100.00" in page
    assert "Viewed Segment kitchen &gt; Segment mugs in the last 30" in page


def test_preview_counts_members_without_saving(client, admin):
    customer_with_orders([500], [5], AS_OF)
    customer_with_orders([150], [5], AS_OF)
    customer_with_orders([50], [5], AS_OF)
    rules = [{"kind": "spent_more_than", "amount": "100"}]
    response = client.post(CREATE, form_data(rules=rules, preview="1"))
    assert response.status_code == 200
    assert response.context["preview"] == {"customers": 2, "visitors": 0}
    assert "Preview: 2 customers match now" in response.content.decode()
    assert not Segment.objects.exists()


@pytest.mark.parametrize(
    ("rule", "field", "message"),
    [
        ({"kind": "spent_more_than", "amount": "-5"}, "amount", "greater than or equal to 0"),
        ({"kind": "spent_more_than", "amount": "lots"}, "amount", "Enter a number"),
        ({"kind": "spent_more_than", "amount": ""}, "amount", "needs a value"),
        ({"kind": "ordered_at_least", "count": "0"}, "count", "greater than or equal to 1"),
        ({"kind": "not_ordered_in", "days": "-1"}, "days", "greater than or equal to 1"),
        ({"kind": "viewed_category", "category": "999999"}, "category", "valid choice"),
        ({"kind": "viewed_product", "product": "NO-SUCH-UPC"}, "product", "No product has"),
        ({"kind": "rfm_segment", "rfm_segment": "vip"}, "rfm_segment", "valid choice"),
        ({"kind": "teleported"}, "kind", "valid choice"),
    ],
)
def test_bad_rule_input_is_a_form_error(client, admin, rule, field, message):
    response = client.post(CREATE, form_data(rules=[rule]))
    assert response.status_code == 200
    errors = response.context["formset"].forms[0].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert not Segment.objects.exists()


def test_bad_input_in_the_product_field_is_escaped(client, admin):
    response = client.post(
        CREATE, form_data(rules=[{"kind": "viewed_product", "product": "<script>x</script>"}])
    )
    page = response.content.decode()
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


def test_a_segment_needs_a_condition_and_a_free_slug(client, admin):
    response = client.post(CREATE, form_data(rules=[]))
    assert "needs at least one condition" in response.content.decode()
    Segment.objects.create(name="Taken", slug="big-spenders")
    response = client.post(CREATE, form_data(rules=[{"kind": "ordered_at_least", "count": "2"}]))
    assert "slug" in response.context["form"].errors


def test_product_by_upc_or_id(client, admin):
    mug = create_product(title="Mug")
    for value in (mug.upc, str(mug.pk)):
        Segment.objects.filter(slug="mug-viewers").delete()
        response = client.post(
            CREATE,
            form_data(name="Mug viewers", rules=[{"kind": "viewed_product", "product": value}]),
        )
        assert response.status_code == 302, response.context["formset"].errors
        assert Segment.objects.get(slug="mug-viewers").rules.get().params == {"product": mug.pk}


def test_edit_keeps_the_slug_and_replaces_rules(client, admin, category):
    segment = Segment.objects.create(name="Fans", slug="fans")
    rule = segment.rules.create(kind="ordered_at_least", params={"count": 2})
    page = client.get(update_url(segment)).content.decode()
    assert 'value="2"' in page and "disabled" in page
    data = form_data(
        name="Kitchen fans",
        slug="hacked",
        rules=[
            {
                "id": str(rule.pk),
                "segment": str(segment.pk),
                "kind": "ordered_at_least",
                "count": "2",
                "DELETE": "on",
            },
            {"kind": "viewed_category", "category": str(category.pk)},
        ],
        initial=1,
    )
    response = client.post(update_url(segment), data)
    assert response.status_code == 302, response.context["formset"].errors
    segment.refresh_from_db()
    assert (segment.name, segment.slug) == ("Kitchen fans", "fans")
    assert [(r.kind, r.params) for r in segment.rules.all()] == [
        ("viewed_category", {"category": category.pk})
    ]


def test_automatic_segments_are_edited_without_rules_and_never_deleted(client, admin):
    segments.ensure_rfm_segments()
    champions = Segment.objects.get(slug="champions")
    page = client.get(update_url(champions)).content.decode()
    assert "Automatic segment" in page and "rules-TOTAL_FORMS" not in page
    response = client.post(
        update_url(champions), {"name": "Best customers", "description": "", "active": ""}
    )
    assert response.status_code == 302
    champions.refresh_from_db()
    assert champions.name == "Best customers" and not champions.active
    delete = reverse("ecrm:dashboard:ecrm-segment-delete", kwargs={"pk": champions.pk})
    assert client.get(delete).status_code == 404
    assert client.post(delete).status_code == 404


def test_delete_a_rule_segment(client, admin):
    segment = Segment.objects.create(name="Old", slug="old")
    SegmentMembership.objects.create(segment=segment, user=create_customer())
    delete = reverse("ecrm:dashboard:ecrm-segment-delete", kwargs={"pk": segment.pk})
    assert "Delete segment" in client.get(delete).content.decode()
    response = client.post(delete)
    assert response.status_code == 302 and response.url == LIST
    assert not Segment.objects.exists() and not SegmentMembership.objects.exists()


def test_segment_list_shows_conditions_and_member_counts(client, admin):
    segments.ensure_rfm_segments()
    segment = Segment.objects.create(
        name="Loyal <fans>", slug="loyal-fans", match="any", members_count=3
    )
    segment.rules.create(kind="ordered_at_least", params={"count": 5})
    segment.rules.create(kind="not_ordered_in", params={"days": 90})
    page = client.get(LIST).content.decode()
    assert "Loyal &lt;fans&gt;" in page
    assert "Ordered at least 5 times" in page and "ANY" in page
    assert "RFM segment “Champions”" in page
    assert page.count(">3</a>") == 1

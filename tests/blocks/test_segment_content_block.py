"""SegmentContentBlock: a cacheable placeholder in the page, the personal part from an endpoint."""

import json
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from wagtail.blocks import StreamValue, StructBlockValidationError
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, PageViewRestriction, Site

from ecrm_oscar.customers.models import Segment, SegmentMembership
from ecrm_oscar.testing.factories import create_customer
from ecrm_wagtail.blocks import blocks as ecrm_blocks
from ecrm_wagtail.blocks.views import segment_content
from sandbox.demo.models import HomePage
from tests.customers.helpers import events

pytestmark = pytest.mark.django_db

ENDPOINT = reverse("ecrm:blocks:segment-content")
SECRET = "VIP code CHAMP-2024"


def block(
    audience, segments=(), content="<p>hello</p>", greeting=False, text="Welcome back, {name}!"
):
    return {
        "type": "personalised",
        "value": {
            "audience": audience,
            "segments": list(segments),
            "greeting": greeting,
            "greeting_text": text,
            "content": content,
        },
    }


@pytest.fixture
def home():
    """A home page with four personalised blocks, served at "/"."""
    locale, _ = Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    root = Page.get_first_root_node() or Page.add_root(
        instance=Page(title="Root", slug="root", locale=locale)
    )
    for child in root.get_children():
        child.delete()
    page = root.add_child(
        instance=HomePage(
            title="Shop",
            slug="home",
            locale=locale,
            body=[
                block("segments", ["champions"], f"<p>{SECRET}</p>"),
                block("new", content="<p>First time here?</p>"),
                block("returning", content="<p>Good to see you again.</p>", greeting=True),
                {"type": "paragraph", "value": "<p>For everyone</p>"},
            ],
        )
    )
    Site.objects.all().delete()
    Site.objects.create(hostname="localhost", port=80, root_page=page, is_default_site=True)
    Segment.objects.create(name="Champions", slug="champions", kind="rfm", rfm_segment="champions")
    return page


def ids(page) -> list[str]:
    return [child.id for child in page.body if child.block_type == "personalised"]


def fetch(client, home_page, **params):
    query = {"page": home_page.pk, "blocks": ",".join(ids(home_page))}
    query.update(params)
    response = client.get(ENDPOINT, query)
    return response


def shown(response) -> str:
    assert response.status_code == 200, response.content
    return " ".join(json.loads(response.content)["blocks"].values())


def call(page, user=None, visitor_id=""):
    """The endpoint as the tracking middleware would leave the request."""
    request = RequestFactory().get(ENDPOINT, {"page": page.pk, "blocks": ",".join(ids(page))})
    SessionMiddleware(lambda r: None).process_request(request)
    request.user = user or AnonymousUser()
    if visitor_id:
        request.ecrm_visitor_id = visitor_id
    return segment_content(request)


def test_the_page_holds_only_placeholders(client, home):
    champion = create_customer()
    SegmentMembership.objects.create(segment=Segment.objects.get(slug="champions"), user=champion)
    client.force_login(champion)
    page = client.get("/").content.decode()
    assert "For everyone" in page
    assert SECRET not in page and "First time here" not in page and "Welcome back" not in page
    placeholders = re.findall(r'<div class="ecrm-segment-content"[^>]*hidden></div>', page)
    assert len(placeholders) == 3
    assert f'data-page="{home.pk}"' in page and f'data-block="{ids(home)[0]}"' in page
    assert page.count("ecrm/blocks/segment-content.js") == 3  # the script runs once (guarded)


def test_segment_members_get_the_segment_content(client, home):
    champion = create_customer()
    SegmentMembership.objects.create(segment=Segment.objects.get(slug="champions"), user=champion)
    client.force_login(champion)
    response = fetch(client, home)
    assert SECRET in shown(response)
    assert response["Cache-Control"] == "private, no-store"
    assert "Cookie" in response["Vary"]


def test_others_do_not(client, home):
    client.force_login(create_customer())
    assert SECRET not in shown(fetch(client, home))
    client.logout()
    assert SECRET not in shown(fetch(client, home))


def test_anonymous_visitor_segments_come_from_the_visitor_cookie(home):
    SegmentMembership.objects.create(segment=Segment.objects.get(slug="champions"), visitor_id="v1")
    assert SECRET in shown(call(home, visitor_id="v1"))
    assert SECRET not in shown(call(home, visitor_id="v2"))


def test_new_and_returning_anonymous_visitors(home):
    brand_new = shown(call(home, visitor_id="fresh"))
    assert "First time here" in brand_new and "Good to see you" not in brand_new
    events(visitor_id="back", type="page_viewed", created_at=timezone.now() - timedelta(days=3))
    back = shown(call(home, visitor_id="back"))
    assert "Good to see you" in back and "First time here" not in back
    assert "Welcome back" not in back  # greetings are for known visitors only
    events(visitor_id="today", type="page_viewed")  # seen minutes ago: still this visit
    assert "First time here" in shown(call(home, visitor_id="today"))
    assert "First time here" in shown(call(home))  # no cookie (tracking off, no consent)


def test_returning_customers_are_greeted_by_name_escaped(client, home):
    ann = create_customer(first_name="<b>Ann</b>")
    ann.date_joined = timezone.now() - timedelta(days=90)
    ann.save()
    client.force_login(ann)
    html = shown(fetch(client, home))
    assert "Welcome back, &lt;b&gt;Ann&lt;/b&gt;!" in html and "<b>Ann</b>" not in html
    assert "Good to see you" in html and "First time here" not in html


def test_greeting_without_a_first_name(client, home):
    nameless = create_customer()
    nameless.date_joined = timezone.now() - timedelta(days=90)
    nameless.save()
    client.force_login(nameless)
    assert "Welcome back!" in shown(fetch(client, home))


def test_a_customer_who_just_registered_is_new(client, home):
    client.force_login(create_customer())
    html = shown(fetch(client, home))
    assert "First time here" in html and "Welcome back" not in html


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": ""},
        {"blocks": ""},
        {"blocks": "not a uuid!"},
        {"blocks": ",".join(["a" * 8] * 21)},
        {"page": "9" * 20},
    ],
)
def test_malformed_requests_are_400(client, home, params):
    response = fetch(client, home, **params)
    assert response.status_code == 400
    assert "error" in json.loads(response.content)


def test_unknown_draft_and_private_pages(client, home):
    assert client.get(ENDPOINT, {"page": 999999, "blocks": ids(home)[0]}).status_code == 404
    assert shown(fetch(client, home, blocks="0" * 8)) == ""  # unknown block: nothing
    PageViewRestriction.objects.create(page=home, restriction_type="password", password="x")
    assert fetch(client, home).status_code == 403
    PageViewRestriction.objects.all().delete()
    home.unpublish()
    assert fetch(client, home).status_code == 404


def test_only_get(client, home):
    assert client.post(ENDPOINT, {"page": home.pk, "blocks": ids(home)[0]}).status_code == 405


def test_editors_must_choose_a_segment():
    definition = ecrm_blocks.SegmentContentBlock()
    value = definition.to_python(block("segments")["value"])
    with pytest.raises(StructBlockValidationError) as error:
        definition.clean(value)
    assert "segments" in error.value.block_errors
    definition.clean(definition.to_python(block("new")["value"]))  # fine without segments


def test_segment_choices_list_every_segment(home):
    Segment.objects.create(name="Old", slug="old", active=False)
    assert ("champions", "Champions") in ecrm_blocks.segment_choices()
    assert ("old", "Old (inactive)") in ecrm_blocks.segment_choices()


def test_blocks_are_found_in_nested_streams(home):
    from wagtail import blocks as wagtail_blocks

    from ecrm_wagtail.blocks.views import _walk, blocks_of

    assert set(blocks_of(home.specific)) == set(ids(home))
    assert isinstance(home.body, StreamValue)
    inner = wagtail_blocks.StreamBlock([("personalised", ecrm_blocks.SegmentContentBlock())])
    outer = wagtail_blocks.StreamBlock(
        [
            ("section", wagtail_blocks.StructBlock([("items", inner)])),
            ("columns", wagtail_blocks.ListBlock(inner)),
        ]
    )
    value = outer.to_python(
        [
            {"type": "section", "id": "s1", "value": {"items": [{**block("new"), "id": "b1"}]}},
            {"type": "columns", "id": "c1", "value": [[{**block("new"), "id": "b2"}]]},
        ]
    )
    assert {block_id for block_id, _ in _walk(value)} == {"b1", "b2"}


def test_the_demo_home_page_offers_the_block():
    assert "personalised" in HomePage.body.field.stream_block.child_blocks


def test_the_visitor_cookie_of_tracking_identifies_anonymous_visitors(client, home):
    """End to end through tracking's VisitorMiddleware (a signed cookie)."""
    from ecrm_oscar import conf
    from ecrm_oscar.tracking.middleware import sign_visitor_id

    browser = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Firefox/128.0"}
    visitor_id = "a" * 32
    segment = Segment.objects.get(slug="champions")
    SegmentMembership.objects.create(segment=segment, visitor_id=visitor_id)
    events(visitor_id=visitor_id, type="page_viewed", created_at=timezone.now() - timedelta(days=3))
    client.cookies[conf.get("ECRM_VISITOR_COOKIE_NAME")] = sign_visitor_id(visitor_id)
    query = {"page": home.pk, "blocks": ",".join(ids(home))}
    html = shown(client.get(ENDPOINT, query, **browser))
    assert SECRET in html and "Good to see you" in html and "First time here" not in html
    client.cookies[conf.get("ECRM_VISITOR_COOKIE_NAME")] = "tampered"
    html = shown(client.get(ENDPOINT, query, **browser))  # a fresh visitor id: new
    assert SECRET not in html and "First time here" in html


def test_editors_see_the_block_and_the_segments_in_wagtails_editor(client, home):
    Segment.objects.create(name="Mug lovers", slug="mug-lovers")
    client.force_login(create_customer("editor@example.com", is_staff=True, is_superuser=True))
    response = client.get(f"/cms/pages/{home.pk}/edit/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Personalised content" in page and "mug-lovers" in page and "Mug lovers" in page


def test_the_demo_home_body_carries_a_loyalty_balance_placeholder(client, home):
    """The demo's home page body (sandbox/demo/loader.py) shows the loyalty block, which
    renders a placeholder filled from the loyalty endpoint: no balance in the page."""
    from sandbox.demo.loader import HOME_BODY

    home.body = HOME_BODY
    home.save_revision().publish()
    shopper = create_customer()
    client.force_login(shopper)
    page = client.get("/").content.decode()
    assert "/ecrm/loyalty/widget/?how=1" in page
    assert "ecrm/loyalty/fragments.js" in page

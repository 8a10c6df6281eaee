"""Slice 1: help center pages, blocks, JSON-LD, visibility, related articles, chooser."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model

from ecrm_wagtail.helpcenter import content as c
from ecrm_wagtail.helpcenter.models import HelpArticlePage

pytestmark = pytest.mark.django_db


def test_help_center_lists_categories_in_explorer_order(client, help_tree):
    response = client.get("/help/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Delivery") < html.index("Returns")
    assert "fa-truck" in html and "Shipping times and tracking." in html
    # editors reorder in the explorer: move Returns before Delivery
    help_tree.returns.move(help_tree.delivery, pos="left")
    html = client.get("/help/").content.decode()
    assert html.index(">Returns<") < html.index(">Delivery<")


def test_category_lists_its_public_articles(client, help_tree):
    html = client.get(help_tree.returns.url).content.decode()
    assert "When will I get my refund?" in html
    assert "Returning a member-only gift" not in html  # logged-in only
    user = get_user_model().objects.create_user("m", "m@example.com", "pw")
    client.force_login(user)
    assert "Returning a member-only gift" in client.get(help_tree.returns.url).content.decode()


def test_article_renders_every_block(client, help_tree):
    response = client.get(help_tree.tracking.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Every dispatched order gets a tracking number" in html
    assert re.search(
        r"<ol class=\"ecrm-steps\">.*Open the dispatch email.*Click the link", html, re.S
    )
    assert "alert-success" in html and "Tracking can take 24 hours" in html
    assert "Where is my tracking number?" in html
    assert "Last reviewed on" in html
    assert 'class="breadcrumb-item"><a href="/help/">Help center</a>' in html
    assert "ecrm/base.html" in [t.name for t in response.templates]


def test_faq_blocks_emit_faqpage_jsonld_that_cannot_break_out(client, help_tree):
    html = client.get(help_tree.tracking.url).content.decode()
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert found, "no JSON-LD"
    data = json.loads(found.group(1))
    assert data["@type"] == "FAQPage"
    assert [q["name"] for q in data["mainEntity"]] == [
        "Where is my tracking number?",
        "Why </script> no updates?",
    ]
    assert data["mainEntity"][1]["acceptedAnswer"]["text"] == "Couriers scan late & often."
    assert "</script> no updates" not in found.group(1)
    # an article without FAQ blocks has none
    assert "application/ld+json" not in client.get(help_tree.refunds.url).content.decode()


def test_logged_in_only_article_asks_anonymous_visitors_to_log_in(client, help_tree):
    response = client.get(help_tree.members.url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    user = get_user_model().objects.create_user("m", "m@example.com", "pw")
    client.force_login(user)
    assert client.get(help_tree.members.url).status_code == 200


def test_related_articles_manual_first_then_shared_tags_and_category(help_tree):
    related = help_tree.refunds.related_articles()
    assert related[0] == help_tree.tracking  # the editor's choice
    assert help_tree.members not in related  # logged-in only, anonymous request
    related = help_tree.tracking.related_articles()
    # "international" shares a tag and the category; "members" is hidden from anonymous
    assert related[0] == help_tree.international
    assert help_tree.members not in related


def test_draft_articles_are_not_listed(client, help_tree):
    draft = c.ensure_article(help_tree.delivery, "Secret draft", [c.text("<p>x</p>")])
    draft.unpublish()
    assert "Secret draft" not in client.get(help_tree.delivery.url).content.decode()
    assert client.get(draft.url or "/help/delivery/secret-draft/").status_code == 404


def test_product_block_links_the_product_and_survives_its_deletion(client, help_tree):
    from oscar.test.factories import create_product

    product = create_product(title="Jumbo bag red retrospot")
    page = c.ensure_article(
        help_tree.delivery,
        "Gift wrapping",
        [c.text("<p>We wrap gifts.</p>"), c.product(product.pk, "Our bestseller")],
    )
    html = client.get(page.url).content.decode()
    assert "Jumbo bag red retrospot" in html and product.get_absolute_url() in html
    product.delete()
    page = HelpArticlePage.objects.get(pk=page.pk)
    response = client.get(page.url)
    assert response.status_code == 200 and "Jumbo bag" not in response.content.decode()


def test_articles_are_found_by_wagtail_search(help_tree):
    results = HelpArticlePage.objects.live().search("refund card")
    assert help_tree.refunds in list(results)


def test_product_chooser_in_wagtail_admin(client, help_tree):
    from oscar.test.factories import create_product

    create_product(title="Regency cakestand", upc="RCS-3")
    create_product(title="Lunch bag", upc="LB-1")
    admin = get_user_model().objects.create_superuser("a", "a@example.com", "pw")
    client.force_login(admin)
    response = client.get("/cms/ecrm_product_chooser/results/", {"q": "cakestand"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Regency cakestand" in html and "Lunch bag" not in html
    # the article editor (with the product block) opens
    response = client.get(
        f"/cms/pages/add/ecrm_helpcenter/helparticlepage/{help_tree.delivery.pk}/"
    )
    assert response.status_code == 200


def test_block_paths_are_stable():
    from ecrm_wagtail.helpcenter import blocks

    body = HelpArticlePage._meta.get_field("body")
    names = [name for name, _ in body.stream_block.child_blocks.items()]
    assert names == ["text", "steps", "callout", "image", "video", "faq", "product"]
    assert blocks.ProductChooserBlock().deconstruct()[0] == (
        "ecrm_wagtail.helpcenter.blocks.ProductChooserBlock"
    )

"""Build help center content from code: the demo command, the benchmark and tests use it.

Bodies are given as Wagtail's raw stream data, ``[{"type": "text", "value": "<p>…</p>"}]``,
so content written here is exactly what the editor would have saved.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterable
from typing import Any

from django.utils.text import slugify
from wagtail.models import Page

from ecrm_wagtail.helpcenter.models import (
    HelpArticlePage,
    HelpArticleRelatedLink,
    HelpCategoryPage,
    HelpCenterPage,
    Visibility,
)


def _slug(title: str, fallback: str) -> str:
    return slugify(title, allow_unicode=True)[:80] or fallback


def ensure_help_center(
    parent: Page, *, title: str = "Help center", slug: str = "help", intro: str = ""
) -> HelpCenterPage:
    """The help center under ``parent`` with ``slug``, created (and published) if missing."""
    existing = HelpCenterPage.objects.child_of(parent).filter(slug=slug).first()
    if existing is not None:
        return existing
    page = HelpCenterPage(title=title, slug=slug, intro=intro, locale=parent.locale)
    parent.add_child(instance=page)
    return page


def ensure_category(
    help_center: HelpCenterPage,
    title: str,
    *,
    slug: str | None = None,
    icon: str = "question-circle",
    description: str = "",
) -> HelpCategoryPage:
    slug = slug or _slug(title, "topic")
    existing = HelpCategoryPage.objects.child_of(help_center).filter(slug=slug).first()
    if existing is not None:
        return existing
    page = HelpCategoryPage(
        title=title, slug=slug, icon=icon, description=description, locale=help_center.locale
    )
    help_center.add_child(instance=page)
    return page


def ensure_article(
    category: HelpCategoryPage,
    title: str,
    body: Iterable[dict[str, Any]],
    *,
    slug: str | None = None,
    summary: str = "",
    tags: Iterable[str] = (),
    last_reviewed: datetime.date | None = None,
    visibility: str = Visibility.PUBLIC,
    related: Iterable[HelpArticlePage] = (),
    update: bool = False,
) -> HelpArticlePage:
    """Create (and publish) an article under ``category`` unless its slug exists there.

    With ``update=True`` an existing article gets the given content as a new revision.
    """
    slug = slug or _slug(title, "article")
    page = HelpArticlePage.objects.child_of(category).filter(slug=slug).first()
    if page is not None and not update:
        return page
    created = page is None
    if created:
        page = HelpArticlePage(slug=slug, locale=category.locale)
    page.title = title
    page.summary = summary
    page.body = json.dumps(list(body))
    page.last_reviewed = last_reviewed
    page.visibility = visibility
    page.tags.set(list(tags), clear=True)
    page.related_links = [HelpArticleRelatedLink(article=article) for article in related]
    if created:
        category.add_child(instance=page)
    page.related_links = [HelpArticleRelatedLink(article=article) for article in related]
    page.save_revision().publish()
    return page


def text(html: str) -> dict[str, Any]:
    return {"type": "text", "value": html}


def steps(title: str, items: Iterable[str | tuple[str, str]]) -> dict[str, Any]:
    step_values = []
    for item in items:
        step_title, details = item if isinstance(item, tuple) else (item, "")
        step_values.append(
            {
                "type": "item",
                "id": str(uuid.uuid4()),
                "value": {"title": step_title, "text": details and f"<p>{details}</p>"},
            }
        )
    return {"type": "steps", "value": {"title": title, "steps": step_values}}


def callout(text_html: str, *, kind: str = "info", title: str = "") -> dict[str, Any]:
    return {"type": "callout", "value": {"kind": kind, "title": title, "text": text_html}}


def faq(items: Iterable[tuple[str, str]], *, title: str = "") -> dict[str, Any]:
    return {
        "type": "faq",
        "value": {
            "title": title,
            "items": [
                {
                    "type": "item",
                    "id": str(uuid.uuid4()),
                    "value": {"question": q, "answer": f"<p>{a}</p>"},
                }
                for q, a in items
            ],
        },
    }


def product(product_id: int, note: str = "") -> dict[str, Any]:
    return {"type": "product", "value": {"product": product_id, "note": note}}

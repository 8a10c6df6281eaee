"""Load the demo help center content (``manage.py ecrm_load_help_demo``; ``ecrm_load_demo``
calls it too). Idempotent: everything is keyed on slugs and translation keys, only missing
pages are created, and a second run creates nothing.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter

from django.conf import settings
from django.db import transaction

from ecrm_wagtail.helpcenter import content as c
from ecrm_wagtail.helpcenter.models import HelpCenterPage, HelpSynonym
from sandbox.demo import help_content as data

REVIEWED = datetime.date(2026, 11, 2)


def _translate(page, locale, *, title: str, **fields):
    """The translation of ``page`` into ``locale``: created (published) when missing."""
    existing = page.get_translation_or_none(locale)
    if existing is not None:
        return existing.specific, False
    copy = page.copy_for_translation(locale)
    copy = copy.specific
    copy.title = title
    for name, value in fields.items():
        setattr(copy, name, value)
    copy.save_revision().publish()
    return copy, True


def is_loaded() -> bool:
    """True when every demo article (and translation) and synonym exists: two queries, so
    ``make demo``'s second run stays fast."""
    from django.db.models import Count

    from ecrm_wagtail.helpcenter.models import HelpArticlePage

    slugs = [a["slug"] for articles in data.ARTICLES.values() for a in articles]
    expected = {settings.LANGUAGE_CODE: len(slugs)}
    if getattr(settings, "WAGTAIL_I18N_ENABLED", False):
        languages = {code for code, _ in getattr(settings, "WAGTAIL_CONTENT_LANGUAGES", [])}
        for code, texts in data.TRANSLATIONS.items():
            if code in languages:
                expected[code] = len(texts["articles"])
    counts = dict(
        HelpArticlePage.objects.filter(slug__in=slugs, locale__language_code__in=list(expected))
        .values_list("locale__language_code")
        .annotate(n=Count("id"))
        .order_by()
    )
    if any(counts.get(code, 0) < n for code, n in expected.items()):
        return False
    return HelpSynonym.objects.filter(terms__in=data.SYNONYMS).count() >= len(data.SYNONYMS)


@transaction.atomic
def load_help_demo(help_center: HelpCenterPage | None = None) -> Counter:
    """Create what is missing of the demo help center; returns counts of created pages."""
    created: Counter = Counter()
    if is_loaded():
        return created
    help_center = (
        help_center
        or HelpCenterPage.objects.filter(locale__language_code=settings.LANGUAGE_CODE).first()
        or HelpCenterPage.objects.first()
    )
    if help_center is None:
        return created
    for terms in data.SYNONYMS:
        _, new = HelpSynonym.objects.get_or_create(terms=terms, language="")
        created["synonyms"] += new
    by_slug = {}
    for slug, title, icon, description in data.CATEGORIES:
        before = help_center.get_children().filter(slug=slug).exists()
        category = c.ensure_category(
            help_center, title, slug=slug, icon=icon, description=description
        )
        created["categories"] += not before
        for article in data.ARTICLES.get(slug, []):
            existed = category.get_children().filter(slug=article["slug"]).exists()
            page = c.ensure_article(
                category,
                article["title"],
                article["body"],
                slug=article["slug"],
                summary=article["summary"],
                tags=article["tags"],
                last_reviewed=REVIEWED,
                visibility=article.get("visibility", "public"),
            )
            by_slug[article["slug"]] = page
            created["articles"] += not existed
    if getattr(settings, "WAGTAIL_I18N_ENABLED", False):
        _load_translations(help_center, by_slug, created)
    return created


def _load_translations(help_center, by_slug, created: Counter) -> None:
    from wagtail.models import Locale

    home = help_center.get_parent().specific
    languages = {code for code, _ in getattr(settings, "WAGTAIL_CONTENT_LANGUAGES", [])}
    for code, texts in data.TRANSLATIONS.items():
        if code not in languages:
            continue
        locale, _ = Locale.objects.get_or_create(language_code=code)
        _translate(home, locale, title=home.title)
        title, intro = texts["help"]
        root, new = _translate(help_center, locale, title=title, intro=intro)
        created[f"{code} pages"] += new
        for slug, (cat_title, description) in texts["categories"].items():
            category = help_center.get_children().filter(slug=slug).first()
            if category is None:
                continue
            _, new = _translate(category.specific, locale, title=cat_title, description=description)
            created[f"{code} pages"] += new
        for slug, (art_title, summary, body_html) in texts["articles"].items():
            source = by_slug.get(slug)
            if source is None or source.get_parent().get_translation_or_none(locale) is None:
                continue
            _, new = _translate(
                source,
                locale,
                title=art_title,
                summary=summary,
                body=json.dumps([c.text(body_html)]),
                last_reviewed=REVIEWED,
            )
            created[f"{code} pages"] += new

"""Help center pages: root -> categories (orderable in Wagtail's page explorer) -> articles.

Articles have a StreamField body (``blocks.article_body_blocks``), tags, manual and
automatic related articles, a "last reviewed" date and a visibility (public or logged-in
only). Drafts, previews, revisions and scheduled publishing are Wagtail's own.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import models
from django.db.models import Count, Q
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from ecrm_wagtail.helpcenter.blocks import article_body_blocks, richtext_to_text

#: Font Awesome 5 (shipped with Oscar's storefront) icons editors pick for a category.
CATEGORY_ICONS = [
    ("question-circle", _("Question")),
    ("truck", _("Delivery")),
    ("undo", _("Returns")),
    ("credit-card", _("Payment")),
    ("user", _("Account")),
    ("star", _("Loyalty")),
    ("gift", _("Gifts")),
    ("tag", _("Vouchers")),
    ("box", _("Orders")),
    ("shield-alt", _("Privacy and security")),
    ("envelope", _("Contact")),
]


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Everyone")
    LOGGED_IN = "logged_in", _("Logged-in customers only")


def visible_articles(request=None, queryset=None):
    """Live, public articles the requester may read (logged-in-only ones need a login)."""
    queryset = queryset if queryset is not None else HelpArticlePage.objects.all()
    queryset = queryset.live().public()
    user = getattr(request, "user", None)
    if not (user is not None and user.is_authenticated):
        queryset = queryset.filter(visibility=Visibility.PUBLIC)
    return queryset


class HelpPageMixin:
    """Shared by the help center's page types."""

    def help_breadcrumbs(self):
        """The help center and category above this page (for the breadcrumb trail)."""
        return self.get_ancestors().type(HelpCenterPage, HelpCategoryPage).specific()

    def help_root(self) -> HelpCenterPage | None:
        """The help center this page belongs to (itself for the root)."""
        if isinstance(self, HelpCenterPage):
            return self
        return self.get_ancestors().type(HelpCenterPage).specific().last()


class HelpCenterPage(RoutablePageMixin, HelpPageMixin, Page):
    """The root of a help center (one per site and language), e.g. served at /help/.

    Routes below it: ``search/`` (the search page), ``assistant/`` (the help assistant),
    ``suggest/`` (contact form suggestions, JSON) and ``contact/`` (opens a support case).
    """

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    subpage_types = ["ecrm_helpcenter.HelpCategoryPage"]
    template = "ecrm/helpcenter/help_center_page.html"

    class Meta:
        verbose_name = _("help center")
        verbose_name_plural = _("help centers")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # Wagtail's explorer order (editors drag categories into place).
        context["sections"] = self.get_children().live().public().specific()
        context["help_root"] = self
        return context

    @path("assistant/", name="assistant")
    def assistant_view(self, request):
        from ecrm_wagtail.helpcenter import views

        return views.assistant(request, self)

    @path("suggest/", name="suggest")
    def suggest_view(self, request):
        from ecrm_wagtail.helpcenter import views

        return views.suggest(request, self)

    @path("contact/", name="contact")
    def contact_view(self, request):
        from ecrm_wagtail.helpcenter import views

        return views.contact(request, self)

    @path("search/", name="search")
    def search_view(self, request):
        from ecrm_wagtail.helpcenter import search

        raw = request.GET.get("q", "")
        results = search.search_articles(raw, root=self, request=request)
        if results.query:
            search.log_search(
                results.query,
                language=self.locale.language_code,
                results=len(results.hits),
                source="search",
                request=request,
            )
        return self.render(
            request,
            template="ecrm/helpcenter/search.html",
            context_overrides={"results": results, "search_query": results.query},
        )


class HelpCategoryPage(HelpPageMixin, Page):
    """A topic of the help center (Delivery, Returns ...) listing its articles."""

    icon = models.CharField(
        _("icon"), max_length=40, choices=CATEGORY_ICONS, default="question-circle"
    )
    description = models.TextField(_("description"), blank=True, max_length=500)

    content_panels = [*Page.content_panels, FieldPanel("icon"), FieldPanel("description")]
    search_fields = [*Page.search_fields, index.SearchField("description")]
    parent_page_types = ["ecrm_helpcenter.HelpCenterPage"]
    subpage_types = ["ecrm_helpcenter.HelpArticlePage"]
    template = "ecrm/helpcenter/help_category_page.html"

    class Meta:
        verbose_name = _("help category")
        verbose_name_plural = _("help categories")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["articles"] = visible_articles(
            request, HelpArticlePage.objects.child_of(self)
        ).order_by("path")
        context["help_root"] = self.help_root()
        return context


class HelpArticleTag(TaggedItemBase):
    content_object = ParentalKey(
        "ecrm_helpcenter.HelpArticlePage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class HelpArticleRelatedLink(Orderable):
    """A related article chosen by the editor (shown before the automatic ones)."""

    page = ParentalKey(
        "ecrm_helpcenter.HelpArticlePage", on_delete=models.CASCADE, related_name="related_links"
    )
    article = models.ForeignKey(
        "ecrm_helpcenter.HelpArticlePage",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("article"),
    )

    panels = [FieldPanel("article")]


class HelpArticlePage(RoutablePageMixin, HelpPageMixin, Page):
    """One help article. Routes: the article itself and ``feedback/`` (POST, the vote)."""

    summary = models.TextField(
        _("summary"),
        blank=True,
        max_length=300,
        help_text=_("One or two sentences shown in lists and search results."),
    )
    body = StreamField(article_body_blocks(), blank=True, verbose_name=_("body"))
    tags = ClusterTaggableManager(through=HelpArticleTag, blank=True, verbose_name=_("tags"))
    last_reviewed = models.DateField(_("last reviewed"), null=True, blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("tags"), FieldPanel("last_reviewed"), FieldPanel("visibility")],
            heading=_("About this article"),
        ),
        InlinePanel("related_links", label=_("Related articles")),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary", boost=2),
        index.SearchField("body"),
        index.RelatedFields("tags", [index.SearchField("name", boost=2)]),
        index.FilterField("visibility"),
    ]
    parent_page_types = ["ecrm_helpcenter.HelpCategoryPage"]
    subpage_types: list[str] = []
    template = "ecrm/helpcenter/help_article_page.html"

    class Meta:
        verbose_name = _("help article")
        verbose_name_plural = _("help articles")

    # -- access -------------------------------------------------------------------------
    def serve(self, request, *args, **kwargs):
        if self.visibility == Visibility.LOGGED_IN and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if request.method == "GET" and not getattr(request, "is_preview", False):
            from ecrm_wagtail.helpcenter.reports import count_view

            count_view(self)
        return super().serve(request, *args, **kwargs)

    # -- related articles ---------------------------------------------------------------
    def related_articles(self, request=None, limit: int = 5) -> list[HelpArticlePage]:
        """Manual related articles first, then automatic ones (shared tags, same category)."""
        manual = [
            link.article
            for link in self.related_links.select_related("article").all()
            if link.article.live
            and (
                link.article.visibility == Visibility.PUBLIC
                or (request is not None and request.user.is_authenticated)
            )
        ]
        result = manual[:limit]
        if len(result) >= limit:
            return result
        tag_ids = list(self.tags.values_list("pk", flat=True))
        parent = self.get_parent()
        same_category = Q(path__startswith=parent.path, depth=self.depth) if parent else Q()
        candidates = (
            visible_articles(request)
            .exclude(pk__in=[self.pk, *[a.pk for a in result]])
            .filter(Q(tags__in=tag_ids) | same_category)
            .annotate(shared=Count("tags", filter=Q(tags__in=tag_ids), distinct=True))
            .order_by("-shared", "path")
            .distinct()
        )
        result.extend(candidates[: limit - len(result)])
        return result

    # -- structured data ----------------------------------------------------------------
    def faq_items(self) -> list[tuple[str, str]]:
        """(question, plain-text answer) of every FAQ block, in page order."""
        items = []
        for block in self.body:
            if block.block_type == "faq":
                for item in block.value["items"]:
                    items.append((item["question"], richtext_to_text(item["answer"])))
        return items

    def faq_jsonld(self) -> str:
        """A schema.org FAQPage ``<script>``, or "" when the article has no FAQ block.

        ``<``, ``>`` and ``&`` are escaped as JSON unicode escapes, so an answer can never
        close the script element.
        """
        items = self.faq_items()
        if not items:
            return ""
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "FAQPage",
            "mainEntity": [
                {
                    "@type": "Question",
                    "name": question,
                    "acceptedAnswer": {"@type": "Answer", "text": answer},
                }
                for question, answer in items
            ],
        }
        payload = (
            json.dumps(data, ensure_ascii=False)
            .replace("<", "\\u003c")
            .replace(">", "\\u003e")
            .replace("&", "\\u0026")
        )
        return mark_safe(f'<script type="application/ld+json">{payload}</script>')

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["category"] = self.get_parent().specific
        context["related"] = self.related_articles(request)
        context["help_root"] = self.help_root()
        from ecrm_wagtail.helpcenter.feedback import current_vote
        from ecrm_wagtail.helpcenter.views import remember_seen

        remember_seen(request, self)
        context["vote"] = current_vote(request, self)
        context["feedback_reasons"] = FeedbackReason.choices
        return context

    @path("feedback/", name="feedback")
    def feedback_view(self, request):
        from ecrm_wagtail.helpcenter import views

        return views.feedback(request, self)


# -- search: synonyms, passage index, search log --------------------------------------------


class HelpSynonym(models.Model):
    """A group of words or phrases that mean the same to shoppers (editor-managed snippet).

    A search or assistant question containing any of them also looks for the others, e.g.
    "refund, money back, reimbursement".
    """

    terms = models.CharField(
        _("terms"),
        max_length=500,
        help_text=_("Comma-separated words or phrases that mean the same, e.g. refund, money back"),
    )
    language = models.CharField(
        _("language"),
        max_length=15,
        blank=True,
        help_text=_("Language code (en-gb, fa, th); empty: every language."),
    )

    panels = [FieldPanel("terms"), FieldPanel("language")]

    class Meta:
        verbose_name = _("search synonym group")
        verbose_name_plural = _("search synonyms")
        ordering = ["terms"]

    def __str__(self) -> str:
        return self.terms

    def term_list(self) -> list[str]:
        return [t.strip().lower() for t in self.terms.split(",") if t.strip()]


class HelpPassage(models.Model):
    """A paragraph-sized piece of a live article: what search snippets and the assistant quote.

    Rebuilt whenever an article is published (``indexing.index_article``); ``terms`` holds
    the passage's distinct tokens between spaces, ``length`` its token count (for BM25).
    """

    article = models.ForeignKey(
        "ecrm_helpcenter.HelpArticlePage", on_delete=models.CASCADE, related_name="passages"
    )
    language = models.CharField(max_length=15, db_index=True)
    position = models.PositiveIntegerField(default=0)
    heading = models.CharField(max_length=255, blank=True)
    text = models.TextField()
    terms = models.TextField(blank=True)
    length = models.PositiveIntegerField(default=0)
    visibility = models.CharField(max_length=16, default=Visibility.PUBLIC)

    class Meta:
        ordering = ["article_id", "position"]
        verbose_name = _("article passage")
        verbose_name_plural = _("article passages")

    def __str__(self) -> str:
        return f"{self.article_id}#{self.position}"


class HelpPassageTerm(models.Model):
    """The inverted index of the passages: one row per (passage, stem) with its count.

    Search and the assistant rank with BM25 in one SQL aggregate over only the rows of the
    query's stems (index on language + stem), so no passage is loaded or stemmed per query.
    ``tf`` counts the stem in the passage's heading and text (1 when it is only in the
    article's title or tags); ``length``, ``article_id`` and ``visibility`` are copied from
    the passage so the aggregate needs no join. Plain integer columns, no foreign keys:
    rows are written and deleted with their passages by ``indexing`` in bulk.
    """

    passage_id = models.BigIntegerField()
    article_id = models.BigIntegerField()
    language = models.CharField(max_length=15)
    stem = models.CharField(max_length=60)
    tf = models.PositiveIntegerField(default=1)
    length = models.PositiveIntegerField(default=1)
    visibility = models.CharField(max_length=16, default=Visibility.PUBLIC)

    class Meta:
        indexes = [
            # covering on PostgreSQL (an index-only scan feeds the BM25 aggregate);
            # other databases get a plain (language, stem) index
            models.Index(
                fields=["language", "stem"],
                include=["visibility", "passage_id", "article_id", "tf", "length"],
                name="ecrm_help_posting_stem",
            ),
            models.Index(fields=["article_id"], name="ecrm_help_posting_article"),
        ]
        verbose_name = _("passage term")
        verbose_name_plural = _("passage terms")

    def __str__(self) -> str:
        return f"{self.passage_id}:{self.stem}×{self.tf}"


class HelpTerm(models.Model):
    """Vocabulary of the passage index: one row per (language, word as written), its stem
    and the number of passages containing it. Typo correction looks here (pg_trgm on
    PostgreSQL), BM25 takes document frequencies from here."""

    language = models.CharField(max_length=15)
    term = models.CharField(max_length=60)
    stem = models.CharField(max_length=60, db_index=True)
    df = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["language", "term"], name="ecrm_help_term_unique")
        ]
        verbose_name = _("search term")
        verbose_name_plural = _("search terms")

    def __str__(self) -> str:
        return self.term


class SearchSource(models.TextChoices):
    SEARCH = "search", _("Search page")
    ASSISTANT = "assistant", _("Help assistant")
    CONTACT = "contact", _("Contact form suggestions")


class HelpSearchLog(models.Model):
    """One search of the help center (for the editor reports: top and zero-result searches)."""

    query = models.CharField(_("query"), max_length=200)
    language = models.CharField(_("language"), max_length=15, blank=True)
    source = models.CharField(
        _("source"), max_length=16, choices=SearchSource.choices, default=SearchSource.SEARCH
    )
    results = models.PositiveIntegerField(_("results"), default=0)
    visitor = models.CharField(_("visitor"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("help search")
        verbose_name_plural = _("help searches")

    def __str__(self) -> str:
        return self.query


# -- feedback -------------------------------------------------------------------------------


class FeedbackReason(models.TextChoices):
    UNCLEAR = "unclear", _("It was hard to understand")
    OUTDATED = "outdated", _("It is out of date or wrong")
    NOT_ANSWERED = "not_answered", _("It did not answer my question")
    OTHER = "other", _("Something else")


class HelpFeedback(models.Model):
    """One visitor's "was this helpful?" vote on one article (changing it updates the row).

    ``voter`` is the visitor's key (account, tracking visitor id or the help center's own
    cookie); ``address`` a salted hash of the network address, for the per-address limit.
    """

    article = models.ForeignKey(
        "ecrm_helpcenter.HelpArticlePage",
        on_delete=models.CASCADE,
        related_name="feedback",
        verbose_name=_("article"),
    )
    voter = models.CharField(_("voter"), max_length=64)
    address = models.CharField(_("address hash"), max_length=64, blank=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    helpful = models.BooleanField(_("helpful"))
    reason = models.CharField(
        _("reason"), max_length=20, choices=FeedbackReason.choices, blank=True
    )
    comment = models.TextField(_("comment"), blank=True, max_length=1000)
    created_at = models.DateTimeField(_("voted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "voter"], name="ecrm_help_one_vote")
        ]
        ordering = ["-updated_at"]
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")

    def __str__(self) -> str:
        return f"{self.article_id}: {'yes' if self.helpful else 'no'}"


# -- assistant and contact sessions (deflection) ---------------------------------------------


class HelpContactSession(models.Model):
    """One visitor's attempt to get help: assistant questions and/or the contact form.

    A session that never became a support case was *deflected* (the editor report's
    deflection rate).
    """

    key = models.CharField(_("visitor"), max_length=64, db_index=True)
    language = models.CharField(_("language"), max_length=15, blank=True)
    questions = models.PositiveIntegerField(_("assistant questions"), default=0)
    suggestions = models.PositiveIntegerField(_("contact form suggestion lists"), default=0)
    last_question = models.CharField(_("last question"), max_length=200, blank=True)
    case_number = models.CharField(_("support case"), max_length=12, blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("last activity"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("help session")
        verbose_name_plural = _("help sessions")

    def __str__(self) -> str:
        return f"{self.key[:8]} {self.created_at:%Y-%m-%d}"


class HelpArticleViews(models.Model):
    """Views of one article on one day (the editor report's views per article)."""

    article = models.ForeignKey(
        "ecrm_helpcenter.HelpArticlePage", on_delete=models.CASCADE, related_name="daily_views"
    )
    date = models.DateField(_("date"))
    views = models.PositiveIntegerField(_("views"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "date"], name="ecrm_help_views_day")
        ]
        verbose_name = _("article views")
        verbose_name_plural = _("article views")

    def __str__(self) -> str:
        return f"{self.article_id} {self.date}: {self.views}"

"""Precomputed recommendation rows: trained by Celery, read by ``services`` with one query."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Recommendation(models.Model):
    """One ranked product in one list.

    A list is (``strategy``, ``subject``): ``subject`` names who or what the list is for —
    ``product:<id>`` (customers who bought this also bought), ``user:<id>`` (recommended
    for you), ``category:<id>`` (trending in a category) or ``all`` (trending overall).
    Training replaces a strategy's rows in one transaction, so readers never see a mix.
    """

    strategy = models.CharField(_("strategy"), max_length=40)
    subject = models.CharField(_("for"), max_length=60)
    rank = models.PositiveSmallIntegerField(_("rank"))
    product = models.ForeignKey(
        "catalogue.Product", on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )
    score = models.FloatField(_("score"))
    computed_at = models.DateTimeField(_("computed at"), auto_now_add=True)

    class Meta:
        app_label = "ecrm_recommendations"
        ordering = ["strategy", "subject", "rank"]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "subject", "rank"], name="ecrm_recommendation_list_rank"
            )
        ]

    def __str__(self) -> str:
        return f"{self.strategy} {self.subject} #{self.rank}"


class Placement(models.TextChoices):
    """Where a list is shown; each has an owner-chosen strategy (``PlacementSetting``)."""

    PRODUCT = "product", _("Product page")
    BASKET = "basket", _("Basket page")
    HOME = "home", _("Home page")
    ACCOUNT = "account", _("Account pages")
    WAGTAIL = "wagtail", _("Wagtail pages (block)")
    CATEGORY = "category", _("Category pages")


class IncludePurchased(models.TextChoices):
    DEFAULT = "", _("Site default (ECRM_RECOMMENDATION_INCLUDE_PURCHASED)")
    YES = "yes", _("Yes: already-bought items may be recommended")
    NO = "no", _("No: hide items the customer already bought")


class PlacementSetting(models.Model):
    """The owner's choice for one placement: which strategy serves it, and how.

    A placement without a row uses the built-in default (``registry.DEFAULT_STRATEGIES``).
    Saved in the dashboard; readers see the change at once (the cached configuration is
    retired on save).
    """

    placement = models.CharField(
        _("placement"), max_length=20, choices=Placement.choices, unique=True
    )
    strategy = models.CharField(_("strategy"), max_length=40)
    enabled = models.BooleanField(_("show recommendations here"), default=True)
    include_purchased = models.CharField(
        _("include already-bought items"),
        max_length=3,
        choices=IncludePurchased.choices,
        blank=True,
        default=IncludePurchased.DEFAULT,
    )
    limit = models.PositiveSmallIntegerField(
        _("number of products"),
        null=True,
        blank=True,
        help_text=_("Empty: what the template asks for (usually 6)."),
    )

    class Meta:
        app_label = "ecrm_recommendations"
        ordering = ["placement"]
        verbose_name = _("placement setting")
        verbose_name_plural = _("placement settings")

    def __str__(self) -> str:
        return f"{self.get_placement_display()}: {self.strategy}"


class Exclusion(models.Model):
    """A product, or every product of a category (and its subcategories), never recommended."""

    product = models.ForeignKey(
        "catalogue.Product",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    category = models.ForeignKey(
        "catalogue.Category",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        app_label = "ecrm_recommendations"
        ordering = ["-created_at"]
        verbose_name = _("recommendation exclusion")
        verbose_name_plural = _("recommendation exclusions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(product__isnull=False) | models.Q(category__isnull=False),
                name="ecrm_recommendation_exclusion_target",
            )
        ]

    def __str__(self) -> str:
        return str(self.product or self.category)


class Pin(models.Model):
    """A product shown first in a placement, optionally only for one product or category.

    ``for_product``: only on that product's page (or a basket holding it); ``for_category``:
    only on that category's pages (and its subcategories') and on its products' pages.
    """

    placement = models.CharField(_("placement"), max_length=20, choices=Placement.choices)
    product = models.ForeignKey(
        "catalogue.Product", on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )
    position = models.PositiveSmallIntegerField(
        _("position"), default=1, help_text=_("1 is the first place in the list.")
    )
    for_product = models.ForeignKey(
        "catalogue.Product",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("only for product"),
    )
    for_category = models.ForeignKey(
        "catalogue.Category",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("only for category"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        app_label = "ecrm_recommendations"
        ordering = ["placement", "position", "pk"]
        verbose_name = _("pinned recommendation")
        verbose_name_plural = _("pinned recommendations")

    def __str__(self) -> str:
        return f"{self.get_placement_display()} #{self.position}: {self.product}"

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

"""The Event model, abstract so projects can extend it the way they extend Oscar's models."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    # In a context: Django merges every app's catalogue and Oscar's "Dashboard" (the
    # section of the site) would otherwise name the channel an event came through.
    WEB = "web", pgettext_lazy("event channel", "Web")
    EMAIL = "email", pgettext_lazy("event channel", "Email")
    API = "api", pgettext_lazy("event channel", "API")
    DASHBOARD = "dashboard", pgettext_lazy("event channel", "Dashboard")
    SUPPORT = "support", pgettext_lazy("event channel", "Support")
    IMPORT = "import", pgettext_lazy("event channel", "Imported history")


class AppendOnlyError(Exception):
    """Events are history: they are added, never edited or deleted one by one."""


class AbstractEvent(models.Model):
    """One touchpoint. Append-only; no personal data in ``payload``.

    ``visitor_id`` is the first-party visitor cookie's id (anonymous and known visitors
    alike); ``user`` is filled when the visitor is known, and back-filled when an
    anonymous visitor logs in (``services.merge_visitor``). References to Oscar rows are
    nullable and survive the row's deletion as NULL, so history is never cascaded away.
    """

    type = models.CharField(_("type"), max_length=40)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.WEB
    )
    visitor_id = models.CharField(_("visitor"), max_length=36, blank=True, default="")
    session_key = models.CharField(_("session"), max_length=40, blank=True, default="")
    # No single-column index on user and product: the composite indexes below start
    # with them and serve every lookup by user or product; each index costs every insert.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
        db_index=False,
    )
    product = models.ForeignKey(
        "catalogue.Product",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
        db_index=False,
    )
    category = models.ForeignKey(
        "catalogue.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    order = models.ForeignKey(
        "order.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("order"),
    )
    query = models.CharField(_("search query"), max_length=200, blank=True, default="")
    value = models.DecimalField(
        _("value"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Money amount or count the event carries (order total, result count, …)."),
    )
    payload = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        abstract = True
        app_label = "ecrm_tracking"
        ordering = ["-created_at", "-id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            # the 360° timeline and profile updates: one user's history, newest first
            models.Index(fields=["user", "-created_at"], name="ecrm_event_user_time"),
            # merging an anonymous visitor into an account; visitor timelines
            models.Index(fields=["visitor_id", "-created_at"], name="ecrm_event_visitor_time"),
            # KPIs, trending and retention scans by type and period
            models.Index(fields=["type", "created_at"], name="ecrm_event_type_time"),
            # co-views and "trending in category" for recommendations
            models.Index(fields=["product", "type", "created_at"], name="ecrm_event_product"),
            # retention purge scans by age alone
            models.Index(fields=["created_at"], name="ecrm_event_time"),
        ]

    def __str__(self) -> str:
        return f"{self.type} @ {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("Events are append-only; record a new event instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(
            "Events are not deleted one by one; retention and erasure go through "
            "ecrm_oscar.tracking.services."
        )

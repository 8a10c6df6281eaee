"""Customer profiles, the population basis they are scored against, and segments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecrm_oscar.customers.rfm import RfmSegment


class CustomerProfile(models.Model):
    """One row per customer with at least one counted order, computed by Celery.

    Written only by ``ecrm_oscar.customers.profiles`` (full rebuild and incremental update
    share the code). Frequency is ``orders_count`` and monetary value is ``total_spent``;
    recency is ``recency_days`` as of ``as_of``.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="ecrm_profile",
        verbose_name=_("customer"),
    )
    orders_count = models.PositiveIntegerField(_("orders"), default=0)
    total_spent = models.DecimalField(_("total spent"), max_digits=14, decimal_places=2, default=0)
    average_order_value = models.DecimalField(
        _("average order value"), max_digits=14, decimal_places=2, default=0
    )
    first_order_at = models.DateTimeField(_("first order"), null=True, blank=True)
    last_order_at = models.DateTimeField(_("last order"), null=True, blank=True)
    recency_days = models.PositiveIntegerField(_("days since last order"), null=True, blank=True)
    r_score = models.PositiveSmallIntegerField(_("R score"), null=True, blank=True)
    f_score = models.PositiveSmallIntegerField(_("F score"), null=True, blank=True)
    m_score = models.PositiveSmallIntegerField(_("M score"), null=True, blank=True)
    rfm_segment = models.CharField(
        _("RFM segment"), max_length=20, choices=RfmSegment.choices, blank=True, default=""
    )
    purchase_rate = models.FloatField(
        _("expected orders per day"), default=0, help_text=_("Shrunk to the population.")
    )
    probability_active = models.FloatField(_("probability still active"), default=0)
    predicted_orders = models.FloatField(_("expected orders in the horizon"), default=0)
    predicted_clv = models.DecimalField(
        _("predicted CLV"), max_digits=14, decimal_places=2, default=0
    )
    clv_horizon_days = models.PositiveIntegerField(_("CLV horizon (days)"), default=365)
    next_order_expected_at = models.DateTimeField(_("next order expected"), null=True, blank=True)
    as_of = models.DateTimeField(_("reference time"))
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    class Meta:
        verbose_name = _("customer profile")
        verbose_name_plural = _("customer profiles")
        indexes = [
            models.Index(fields=["rfm_segment"], name="ecrm_profile_segment"),
            models.Index(fields=["-total_spent"], name="ecrm_profile_spent"),
            models.Index(fields=["-last_order_at"], name="ecrm_profile_last_order"),
        ]

    def __str__(self) -> str:
        return f"profile of {self.user_id}"

    @property
    def frequency(self) -> int:
        return self.orders_count

    @property
    def monetary(self):
        return self.total_spent

    @property
    def rfm_code(self) -> str:
        if self.r_score is None:
            return ""
        return f"{self.r_score}{self.f_score}{self.m_score}"

    @property
    def next_order_overdue(self) -> bool:
        return bool(self.next_order_expected_at and self.next_order_expected_at < self.as_of)

    @property
    def purchase_interval_days(self) -> float | None:
        return 1 / self.purchase_rate if self.purchase_rate > 0 else None


class ProfileBasis(models.Model):
    """What the last full rebuild fitted on the whole population.

    Incremental updates score a customer against this (quantile breakpoints, CLV priors),
    so an update on ``order_placed`` costs a few queries, and gives exactly what a full
    rebuild with the same basis gives. Only the latest row is kept.
    """

    computed_at = models.DateTimeField(default=timezone.now)
    as_of = models.DateTimeField()
    customers = models.PositiveIntegerField(default=0)
    orders = models.PositiveIntegerField(default=0)
    last_order_id = models.BigIntegerField(null=True, blank=True)
    breakpoints = models.JSONField(default=dict, blank=True)
    rate_shape = models.FloatField(default=0)
    rate_scale = models.FloatField(default=365)
    value_mean = models.FloatField(default=0)
    value_weight = models.FloatField(default=1)
    rate_fitted = models.BooleanField(default=False)
    value_fitted = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("profile basis")
        verbose_name_plural = _("profile bases")
        get_latest_by = "computed_at"

    def __str__(self) -> str:
        return f"basis of {self.computed_at:%Y-%m-%d %H:%M}"


class Segment(models.Model):
    class Kind(models.TextChoices):
        RFM = "rfm", _("Automatic (RFM)")
        RULES = "rules", _("Rule-based")

    class Match(models.TextChoices):
        ALL = "all", _("all rules")
        ANY = "any", _("any rule")

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        help_text=_("Stable identifier used by Wagtail blocks, recommendations, automation."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.RULES)
    rfm_segment = models.CharField(
        _("RFM segment"), max_length=20, choices=RfmSegment.choices, blank=True, default=""
    )
    match = models.CharField(_("match"), max_length=3, choices=Match.choices, default=Match.ALL)
    active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True, default="")
    members_count = models.PositiveIntegerField(_("members"), default=0)
    rebuilt_at = models.DateTimeField(_("members computed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self) -> str:
        return self.name

    @property
    def is_automatic(self) -> bool:
        return self.kind == self.Kind.RFM


class SegmentRule(models.Model):
    """One condition of a rule-based segment; ``kind`` names a type in the rule registry."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(_("condition"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("segment rule")
        verbose_name_plural = _("segment rules")

    def __str__(self) -> str:
        from ecrm_oscar.customers import rules

        return rules.describe(self.kind, self.params)


class SegmentMembership(models.Model):
    """A customer (``user``) or an anonymous visitor (``visitor_id``) in a segment."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="ecrm_segment_memberships",
    )
    visitor_id = models.CharField(max_length=36, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("segment membership")
        verbose_name_plural = _("segment memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "user"],
                condition=models.Q(user__isnull=False),
                name="ecrm_membership_user_unique",
            ),
            models.UniqueConstraint(
                fields=["segment", "visitor_id"],
                condition=~models.Q(visitor_id=""),
                name="ecrm_membership_visitor_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "segment"], name="ecrm_membership_user"),
            models.Index(fields=["visitor_id"], name="ecrm_membership_visitor"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id or self.visitor_id} in {self.segment_id}"


class SegmentChange(models.Model):
    """A customer's RFM segment changed: appended by every profile recompute (and backfill).

    ``from_segment`` is "" when the customer had no profile before (their first counted
    order); ``to_segment`` is "" when their profile was removed (every order cancelled).
    ``changed_at`` is the reference time the new segment was computed for (the recompute's
    ``as_of``; a month start for rows reconstructed by ``ecrm_backfill_segment_history``).
    Rows are only ever added, and deleted with the person on erasure.
    """

    class Source(models.TextChoices):
        RECOMPUTE = "recompute", _("Profile recompute")
        BACKFILL = "backfill", _("Reconstructed from the order history")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="ecrm_segment_changes",
        verbose_name=_("customer"),
    )
    from_segment = models.CharField(
        _("from segment"), max_length=20, choices=RfmSegment.choices, blank=True, default=""
    )
    to_segment = models.CharField(
        _("to segment"), max_length=20, choices=RfmSegment.choices, blank=True, default=""
    )
    changed_at = models.DateTimeField(_("changed at"))
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.RECOMPUTE
    )

    class Meta:
        ordering = ["changed_at", "pk"]
        verbose_name = _("RFM segment change")
        verbose_name_plural = _("RFM segment changes")
        indexes = [
            models.Index(fields=["changed_at"], name="ecrm_segchange_time"),
            models.Index(fields=["user", "changed_at"], name="ecrm_segchange_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.from_segment or '-'} → {self.to_segment or '-'}"

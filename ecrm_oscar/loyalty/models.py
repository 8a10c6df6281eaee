"""The loyalty ledger: accounts, append-only entries and checkout reservations.

Only :mod:`ecrm_oscar.loyalty.facade` writes these tables. An account's three counters
are a cache of its ledger: ``balance`` is the sum of the entries' ``points``, ``pending``
the sum of their ``pending`` and ``reserved`` the sum of their ``reserved``
(``manage.py ecrm_check_loyalty`` proves it for every account).
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Ledger entries are history: they are added, never edited or deleted."""


class Kind(models.TextChoices):
    """What an entry did. Each kind moves points between the account's buckets.

    =============  ===========  ===========  ============  =================================
    kind           balance      pending      reserved      when
    =============  ===========  ===========  ============  =================================
    earn_pending                 +n                        points earned, not yet confirmed
    confirm        +n            -n                        pending points become spendable
    reverse        -n  or        -n                        cancellation / refund
    reserve        -n                        +n            checkout holds points
    release        +n                        -n            checkout abandoned or changed
    redeem         -n  or                    -n            points spent (on an order)
    expire         -n                                      FIFO expiry
    adjust         ±n                                      manual correction, with a reason
    =============  ===========  ===========  ============  =================================
    """

    EARN_PENDING = "earn_pending", _("Earned (pending)")
    CONFIRM = "confirm", _("Confirmed")
    REVERSE = "reverse", _("Reversed")
    RESERVE = "reserve", _("Reserved at checkout")
    RELEASE = "release", _("Released")
    REDEEM = "redeem", _("Redeemed")
    EXPIRE = "expire", _("Expired")
    ADJUST = "adjust", _("Adjusted")


class ProgramSettings(models.Model):
    """The owner's rules, one row (pk 1), edited in the dashboard. Read with ``get()``."""

    class TierBasis(models.TextChoices):
        SPEND = "spend", _("Money spent")
        POINTS = "points", _("Points earned")

    class Expiry(models.TextChoices):
        NEVER = "never", _("Points never expire")
        AGE = "age", _("Points expire a number of months after they were confirmed")
        INACTIVITY = "inactivity", _("All points expire after months without earning or spending")

    enabled = models.BooleanField(
        _("programme running"),
        default=True,
        help_text=_("Off: no new points are earned or redeemed; balances are kept."),
    )
    # -- earning
    points_per_unit = models.DecimalField(
        _("points per currency unit"),
        max_digits=9,
        decimal_places=3,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("E.g. 1: one point per pound spent. Rounded down per order."),
    )
    include_shipping = models.BooleanField(_("shipping earns points"), default=False)
    include_tax = models.BooleanField(_("tax earns points"), default=True)
    deduct_discounts = models.BooleanField(
        _("discounts reduce points"),
        default=True,
        help_text=_("On: points on what the shopper paid; off: on prices before discounts."),
    )
    # -- confirmation and reversal
    confirm_status = models.CharField(
        _("confirm points at order status"),
        max_length=100,
        blank=True,
        default="Complete",
        help_text=_("Pending points become spendable when the order reaches this status."),
    )
    confirm_after_days = models.PositiveIntegerField(
        _("or confirm after (days)"),
        null=True,
        blank=True,
        default=30,
        help_text=_("Returns window: confirm anyway this many days after the order. Empty: never."),
    )
    cancel_statuses = models.CharField(
        _("statuses that reverse points"),
        max_length=255,
        blank=True,
        default="Cancelled",
        help_text=_("Comma-separated order or line statuses."),
    )
    refund_event_types = models.CharField(
        _("payment events that reverse points"),
        max_length=255,
        blank=True,
        default="refund, refunded",
        help_text=_("Comma-separated payment event type names or codes (Oscar's refunds)."),
    )
    # -- redemption
    point_value = models.DecimalField(
        _("value of one point"),
        max_digits=10,
        decimal_places=4,
        default=Decimal("0.01"),
        validators=[MinValueValidator(Decimal("0.0001"))],
        help_text=_("In the shop's currency: 0.01 makes 100 points worth 1.00."),
    )
    redeem_step = models.PositiveIntegerField(
        _("redeem in steps of"),
        default=100,
        validators=[MinValueValidator(1)],
        help_text=_("Shoppers spend points in multiples of this."),
    )
    redeem_max_share = models.PositiveSmallIntegerField(
        _("maximum share of an order paid with points (%)"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    reservation_minutes = models.PositiveIntegerField(
        _("release points of an abandoned checkout after (minutes)"),
        default=60,
        validators=[MinValueValidator(1)],
    )
    # -- tiers
    tier_basis = models.CharField(
        _("tiers by"), max_length=10, choices=TierBasis.choices, default=TierBasis.SPEND
    )
    tier_window_days = models.PositiveIntegerField(
        _("over the last (days)"),
        default=365,
        validators=[MinValueValidator(1)],
        help_text=_("Rolling window: 365 for the last twelve months."),
    )
    # -- expiry
    expiry = models.CharField(
        _("expiry"), max_length=12, choices=Expiry.choices, default=Expiry.NEVER
    )
    expiry_months = models.PositiveSmallIntegerField(
        _("expire after (months)"), default=12, validators=[MinValueValidator(1)]
    )
    expiry_warning_days = models.PositiveSmallIntegerField(
        _("warn by email this many days before"), default=30
    )
    # -- bonus actions (0: off)
    registration_points = models.PositiveIntegerField(_("points for registering"), default=0)
    first_order_points = models.PositiveIntegerField(
        _("points for a first order"), default=0, help_text=_("Once it is confirmed.")
    )
    birthday_points = models.PositiveIntegerField(_("points on a birthday"), default=0)
    review_points = models.PositiveIntegerField(
        _("points for an approved product review"), default=0
    )
    referral_points = models.PositiveIntegerField(
        _("points for referring a customer"),
        default=0,
        help_text=_("Paid once the referred customer's first order is confirmed."),
    )
    referred_points = models.PositiveIntegerField(_("points for the referred customer"), default=0)
    send_emails = models.BooleanField(
        _("send loyalty emails"),
        default=True,
        help_text=_("Points earned, tier reached, points expiring, personal coupons."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    CACHE_KEY = "ecrm:loyalty:settings"

    class Meta:
        app_label = "ecrm_loyalty"
        db_table = "ecrm_loyalty_settings"
        verbose_name = _("loyalty programme settings")
        verbose_name_plural = _("loyalty programme settings")

    def __str__(self) -> str:
        return str(_("Loyalty programme settings"))

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)
        cache.delete(self.CACHE_KEY)

    @classmethod
    def get(cls) -> ProgramSettings:
        """The settings row (the defaults, unsaved, until the owner saves them); cached."""
        found = cache.get(cls.CACHE_KEY)
        if found is None:
            found = cls.objects.filter(pk=1).first() or cls(pk=1)
            cache.set(cls.CACHE_KEY, found, 60)
        return found

    @staticmethod
    def _names(value: str) -> set[str]:
        return {name.strip().lower() for name in value.split(",") if name.strip()}

    def cancel_status_list(self) -> list[str]:
        """The cancel statuses as the owner typed them (for database filters)."""
        return [name.strip() for name in self.cancel_statuses.split(",") if name.strip()]

    def is_cancel_status(self, status: str) -> bool:
        return (status or "").lower() in self._names(self.cancel_statuses)

    def is_refund_event(self, event_type) -> bool:
        names = self._names(self.refund_event_types)
        return event_type.name.lower() in names or event_type.code.lower() in names


class Tier(models.Model):
    """A level of the programme (Silver, Gold): reached by rolling spend or points."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    threshold = models.DecimalField(
        _("reached at"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Spend (in currency) or points earned in the window, as the settings say."),
    )
    multiplier = models.DecimalField(
        _("points multiplier"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    perks = models.TextField(_("perks"), blank=True, help_text=_("Shown to shoppers."))

    class Meta:
        app_label = "ecrm_loyalty"
        db_table = "ecrm_loyalty_tier"
        ordering = ["threshold", "pk"]
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")

    def __str__(self) -> str:
        return self.name


def new_referral_code() -> str:
    return secrets.token_urlsafe(6).replace("-", "x").replace("_", "y")


class LoyaltyAccount(models.Model):
    """One shopper's points. The counters are kept equal to the sums of the ledger."""

    # SET_NULL, not CASCADE: erasing a person keeps the (anonymous) ledger, so the
    # programme's liability and history stay correct.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ecrm_loyalty_account",
        verbose_name=_("customer"),
    )
    balance = models.IntegerField(_("spendable points"), default=0)
    pending = models.IntegerField(_("pending points"), default=0)
    reserved = models.IntegerField(_("points reserved at checkout"), default=0)
    last_activity_at = models.DateTimeField(_("last earned or spent"), null=True, blank=True)
    tier = models.ForeignKey(
        Tier,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("tier"),
    )
    tier_since = models.DateTimeField(_("in this tier since"), null=True, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    referral_code = models.CharField(
        _("referral code"), max_length=16, unique=True, default=new_referral_code
    )
    expiry_warned_at = models.DateTimeField(_("last warned of expiry"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        app_label = "ecrm_loyalty"
        db_table = "ecrm_loyalty_account"
        verbose_name = _("loyalty account")
        verbose_name_plural = _("loyalty accounts")
        constraints = [
            # The facade verifies before writing; these are the database's backstop.
            models.CheckConstraint(condition=Q(balance__gte=0), name="ecrm_loyalty_balance_gte_0"),
            models.CheckConstraint(condition=Q(pending__gte=0), name="ecrm_loyalty_pending_gte_0"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="ecrm_loyalty_reserved_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user or _('(erased customer)')}: {self.balance} points"

    @property
    def total(self) -> int:
        """Everything the shopper holds: spendable, pending and reserved."""
        return self.balance + self.pending + self.reserved


class LedgerQuerySet(models.QuerySet):
    #: References that may be nulled when the referenced row goes (on_delete=SET_NULL).
    NULLABLE_REFERENCES = frozenset({"order", "line", "actor", "reservation"})

    def delete(self):
        raise AppendOnlyError("Ledger entries are never deleted; write a correcting entry.")

    delete.queryset_only = True

    def update(self, **kwargs):
        # Django's deletion collector nulls SET_NULL references with update(); allow only that.
        if kwargs and set(kwargs) <= self.NULLABLE_REFERENCES and not any(kwargs.values()):
            return super().update(**kwargs)
        raise AppendOnlyError("Ledger entries are never updated; write a correcting entry.")

    update.queryset_only = True


class LedgerEntry(models.Model):
    """One movement of points. Append-only: ``save()`` of an existing row and ``delete()``
    raise :class:`AppendOnlyError`.

    ``points``, ``pending`` and ``reserved`` are signed changes to the account's three
    buckets (see :class:`Kind`). ``ref`` groups the entries of one source ("order:42",
    "bonus:registration:7"), so confirmations and reversals find what they act on.
    ``operation`` is the idempotency key of the facade call that wrote the entry;
    ``idempotency_key`` (unique in the database) is that key, plus ``/n`` for the second
    and later entries of the same call.
    """

    account = models.ForeignKey(
        LoyaltyAccount,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("account"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    points = models.IntegerField(_("change to spendable points"), default=0)
    pending = models.IntegerField(_("change to pending points"), default=0)
    reserved = models.IntegerField(_("change to reserved points"), default=0)
    ref = models.CharField(_("source"), max_length=64, blank=True, default="")
    order = models.ForeignKey(
        "order.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("order"),
    )
    # Copied so the history still names the order if the order row is ever deleted.
    order_number = models.CharField(_("order number"), max_length=128, blank=True, default="")
    line = models.ForeignKey(
        "order.Line",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("order line"),
    )
    reservation = models.ForeignKey(
        "ecrm_loyalty.Reservation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("checkout reservation"),
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("made by"),
        help_text=_("The staff member behind a manual entry; empty for automatic ones."),
    )
    operation = models.CharField(_("operation key"), max_length=150)
    idempotency_key = models.CharField(_("idempotency key"), max_length=160, unique=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    detail = models.JSONField(_("details"), default=dict, blank=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        app_label = "ecrm_loyalty"
        db_table = "ecrm_loyalty_ledger_entry"
        ordering = ["-created_at", "-id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            # an account's history, newest first; FIFO expiry scans credits by date
            models.Index(fields=["account", "created_at"], name="ecrm_loyalty_entry_time"),
            # confirmations and reversals of one source (an order)
            models.Index(fields=["account", "ref"], name="ecrm_loyalty_entry_ref"),
            # idempotent replays look up every entry of one call
            models.Index(fields=["operation"], name="ecrm_loyalty_entry_operation"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.change:+d} ({self.idempotency_key})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("Ledger entries are never updated; write a correcting entry.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Ledger entries are never deleted; write a correcting entry.")

    @property
    def change(self) -> int:
        """The change to everything the shopper holds (spendable + pending + reserved):
        0 for confirmations, reservations and releases, which only move points."""
        return self.points + self.pending + self.reserved

    @property
    def moved(self) -> int:
        """How many points a confirmation, reservation or release moved."""
        return abs(self.points)


class Reservation(models.Model):
    """Points held for one basket while its checkout is in progress.

    Opened by ``facade.reserve``; closed by ``facade.redeem`` (the order was placed) or
    ``facade.release`` (checkout changed or abandoned). At most one is active per basket.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        REDEEMED = "redeemed", _("Redeemed")
        RELEASED = "released", _("Released")

    account = models.ForeignKey(
        LoyaltyAccount,
        on_delete=models.PROTECT,
        related_name="reservations",
        verbose_name=_("account"),
    )
    basket = models.ForeignKey(
        "basket.Basket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("basket"),
    )
    points = models.PositiveIntegerField(_("points"))
    amount = models.DecimalField(_("discount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=12, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(_("reserved"), default=timezone.now)
    expires_at = models.DateTimeField(_("released if still open after"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    order = models.ForeignKey(
        "order.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("order"),
    )

    class Meta:
        app_label = "ecrm_loyalty"
        db_table = "ecrm_loyalty_reservation"
        ordering = ["-created_at", "-id"]
        verbose_name = _("checkout reservation")
        verbose_name_plural = _("checkout reservations")
        constraints = [
            models.UniqueConstraint(
                fields=["basket"],
                condition=Q(status="active"),
                name="ecrm_loyalty_one_active_reservation_per_basket",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="ecrm_loyalty_resv_open"),
        ]

    def __str__(self) -> str:
        return f"{self.points} points for basket {self.basket_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def ref(self) -> str:
        return f"reservation:{self.pk}"


class Referral(models.Model):
    """One customer brought by another. Rewarded once, after the referred customer's first
    order is confirmed; a customer can be referred only once and never by themselves."""

    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="ecrm_referrals_made",
        verbose_name=_("referred by"),
    )
    referred = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="ecrm_referral",
        verbose_name=_("referred customer"),
    )
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    rewarded_at = models.DateTimeField(_("rewarded"), null=True, blank=True)

    class Meta:
        app_label = "ecrm_loyalty"
        db_table = "ecrm_loyalty_referral"
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.CheckConstraint(
                condition=~Q(referrer=models.F("referred")), name="ecrm_loyalty_no_self_referral"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referrer} → {self.referred}"


class CouponCampaign(models.Model):
    """Personal coupons, Clubcard style: each shopper of the target gets a unique
    single-use Oscar voucher for the campaign's offer, shown in their account and emailed."""

    class Kind(models.TextChoices):
        PERCENTAGE = "Percentage", _("Percentage off the basket")
        ABSOLUTE = "Absolute", _("Amount off the basket")

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("message to shoppers"), blank=True)
    target = models.CharField(
        _("who gets it"),
        max_length=120,
        default="all",
        help_text=_("Everybody, a tier, or a customer segment."),
    )
    kind = models.CharField(_("discount"), max_length=12, choices=Kind.choices)
    value = models.DecimalField(
        _("value"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    min_basket = models.DecimalField(
        _("minimum basket"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    valid_days = models.PositiveIntegerField(
        _("valid for (days)"), default=30, validators=[MinValueValidator(1)]
    )
    offer = models.OneToOneField(
        "offer.ConditionalOffer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Oscar offer"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    issued_at = models.DateTimeField(_("last issued"), null=True, blank=True)

    class Meta:
        app_label = "ecrm_loyalty"
        db_table = "ecrm_loyalty_coupon_campaign"
        ordering = ["-created_at", "-id"]
        verbose_name = _("coupon campaign")
        verbose_name_plural = _("coupon campaigns")

    def __str__(self) -> str:
        return self.name


class PersonalCoupon(models.Model):
    """One shopper's voucher of a campaign (one per shopper and campaign)."""

    campaign = models.ForeignKey(
        CouponCampaign, on_delete=models.CASCADE, related_name="coupons", verbose_name=_("campaign")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="ecrm_coupons",
        verbose_name=_("customer"),
    )
    voucher = models.OneToOneField(
        "voucher.Voucher",
        on_delete=models.CASCADE,
        related_name="ecrm_personal_coupon",
        verbose_name=_("voucher"),
    )
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)

    class Meta:
        app_label = "ecrm_loyalty"
        db_table = "ecrm_loyalty_personal_coupon"
        ordering = ["-issued_at", "-id"]
        verbose_name = _("personal coupon")
        verbose_name_plural = _("personal coupons")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "user"], name="ecrm_loyalty_one_coupon_per_campaign"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voucher.code} ({self.user})"

    @property
    def is_used(self) -> bool:
        return self.voucher.num_orders > 0

    @property
    def is_expired(self) -> bool:
        return self.voucher.end_datetime < timezone.now()


# The points discount's Oscar condition and benefit are proxy models of this app.
from ecrm_oscar.loyalty.offers import (  # noqa: E402, F401
    PersonalCouponCondition,
    PointsCondition,
    PointsDiscountBenefit,
)

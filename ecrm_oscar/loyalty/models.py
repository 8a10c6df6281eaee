"""The loyalty ledger: accounts, append-only entries and checkout reservations.

Only :mod:`ecrm_oscar.loyalty.facade` writes these tables. An account's three counters
are a cache of its ledger: ``balance`` is the sum of the entries' ``points``, ``pending``
the sum of their ``pending`` and ``reserved`` the sum of their ``reserved``
(``manage.py ecrm_check_loyalty`` proves it for every account).
"""

from __future__ import annotations

from django.conf import settings
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

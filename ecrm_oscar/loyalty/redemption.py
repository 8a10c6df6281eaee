"""Redeeming points at checkout: reserve for a basket, discount through the Oscar offer,
spend when the order is placed, release when the checkout is changed or abandoned.

The shopper's request reaches :func:`apply_points` / :func:`remove_points` (the views only
translate the outcome into a message). Every refusal leaves the ledger as it was.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_class, get_model

from ecrm_oscar.dashboard.switches import capability_on
from ecrm_oscar.loyalty import facade, services
from ecrm_oscar.loyalty.exceptions import LoyaltyError, RedemptionRefused
from ecrm_oscar.loyalty.models import LedgerEntry, LoyaltyAccount, Reservation
from ecrm_oscar.loyalty.offers import BENEFIT_PATH, CONDITION_PATH
from ecrm_oscar.loyalty.rules import money_for_points, points_for_money

logger = logging.getLogger("ecrm.loyalty")

OFFER_NAME = "Loyalty points"
RANGE_NAME = "Loyalty points: all products"
_UNSET = object()


# -- the Oscar offer ---------------------------------------------------------------------


def points_offer():
    """The site offer that turns reservations into discounts (created once, idempotent).

    Found by its benefit's class, so the owner may rename it; it is non-exclusive (it
    combines with other non-exclusive offers) and has the lowest priority, so it applies
    after every other offer, to what is left to pay.
    """
    ConditionalOffer = get_model("offer", "ConditionalOffer")
    offer = ConditionalOffer.objects.filter(benefit__proxy_class=BENEFIT_PATH).first()
    if offer is not None:
        return offer
    Range = get_model("offer", "Range")
    Condition = get_model("offer", "Condition")
    Benefit = get_model("offer", "Benefit")
    with transaction.atomic():
        product_range = Range.objects.filter(name=RANGE_NAME).first() or Range.objects.create(
            name=RANGE_NAME, includes_all_products=True, is_public=False
        )
        condition = Condition.objects.create(proxy_class=CONDITION_PATH)
        benefit = Benefit.objects.create(proxy_class=BENEFIT_PATH, range=product_range)
        name = OFFER_NAME
        while ConditionalOffer.objects.filter(name=name).exists():
            name += " (loyalty)"
        return ConditionalOffer.objects.create(
            name=name,
            description=_("Part of the order paid with loyalty points."),
            offer_type=ConditionalOffer.SITE,
            exclusive=False,
            priority=-1000,
            max_basket_applications=1,
            condition=condition,
            benefit=benefit,
        )


def reservation_for(basket: Any) -> Reservation | None:
    """The basket's active, unexpired reservation by its owner (one query, then cached on
    the basket object for the rest of the request)."""
    cached = getattr(basket, "_ecrm_points_reservation", _UNSET)
    if cached is not _UNSET:
        return cached
    found = None
    if basket.id and basket.owner_id:
        found = (
            Reservation.objects.filter(
                basket_id=basket.id,
                status=Reservation.Status.ACTIVE,
                expires_at__gt=timezone.now(),
                account__user_id=basket.owner_id,
            )
            .order_by("-id")
            .first()
        )
    basket._ecrm_points_reservation = found
    return found


def forget_reservation(basket: Any) -> None:
    basket.__dict__.pop("_ecrm_points_reservation", None)


def offer_total(basket: Any) -> Decimal:
    """What the basket's products cost after the offers applied so far (before ours), on
    the side of tax Oscar's offers work on (``OSCAR_OFFERS_INCL_TAX``)."""
    incl_tax = getattr(django_settings, "OSCAR_OFFERS_INCL_TAX", False)
    if incl_tax and basket.is_tax_known:
        return basket.total_incl_tax
    return basket.total_excl_tax


def max_discount(basket: Any, settings: Any = None) -> Decimal:
    settings = settings or services.program()
    share = Decimal(settings.redeem_max_share) / 100
    return (offer_total(basket) * share).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)


def _our_discount(basket: Any) -> Decimal:
    applications = getattr(basket, "offer_applications", None)
    if applications is None:
        return Decimal("0")
    return sum(
        (
            application["discount"]
            for application in applications.offer_discounts
            if application["offer"].benefit.proxy_class == BENEFIT_PATH
        ),
        Decimal("0"),
    )


@dataclass(frozen=True)
class Options:
    """What the checkout form offers the shopper for this basket."""

    balance: int  # spendable, plus what this basket already holds
    step: int
    max_points: int  # the most this basket can take, in whole steps
    point_value: Decimal
    reservation: Reservation | None

    @property
    def can_redeem(self) -> bool:
        return self.max_points >= self.step

    @property
    def max_value(self) -> Decimal:
        return money_for_points(self.max_points, self.point_value)


def options(user: Any, basket: Any) -> Options:
    """The redemption choices for ``basket`` (the basket's offers already applied)."""
    settings = services.program()
    account = LoyaltyAccount.objects.filter(user=user).first()
    reservation = reservation_for(basket)
    held = reservation.points if reservation else 0
    balance = (account.balance if account else 0) + held
    # The share applies to what is left after the other offers: add our discount back.
    share = Decimal(settings.redeem_max_share) / 100
    payable = offer_total(basket) + _our_discount(basket)
    by_share = int((payable * share) / settings.point_value)
    step = settings.redeem_step
    running = settings.enabled and capability_on("loyalty")
    best = min(balance, by_share) // step * step if running else 0
    return Options(balance, step, best, settings.point_value, reservation)


# -- the shopper's requests -------------------------------------------------------------------


def _refuse(message: str) -> RedemptionRefused:
    return RedemptionRefused(message)


def _check_form(user: Any, basket: Any, data: dict) -> LoyaltyAccount | None:
    """The posted basket and account must be the shopper's own (a tampered form is
    refused before anything else is looked at)."""
    if not user.is_authenticated:
        raise _refuse(_("Sign in to use your points."))
    if str(data.get("basket", "")) != str(basket.id or ""):
        raise _refuse(_("This form does not belong to your basket. Nothing was changed."))
    account = LoyaltyAccount.objects.filter(user=user).first()
    posted = str(data.get("account", "")).strip()
    if posted and posted != str(account.pk if account else ""):
        raise _refuse(_("This form does not belong to your account. Nothing was changed."))
    if basket.owner_id != user.pk:
        raise _refuse(_("This form does not belong to your basket. Nothing was changed."))
    if not basket.can_be_edited:
        raise _refuse(_("Your basket is being checked out; points can no longer be changed."))
    return account


def apply_points(request: Any, data: dict) -> Reservation:
    """Reserve the points the shopper chose for their basket (replacing an earlier choice).

    Raises a :class:`LoyaltyError` with the message to show; the ledger is then unchanged.
    """
    user, basket = request.user, request.basket
    _check_form(user, basket, data)
    settings = services.program()
    if not settings.enabled or not capability_on("loyalty", request):
        raise _refuse(_("The loyalty programme is paused."))
    if basket.is_empty:
        raise _refuse(_("Your basket is empty."))
    points = facade.check_points(data.get("points"))
    if points % settings.redeem_step:
        raise _refuse(_("Points are spent in steps of %(step)s.") % {"step": settings.redeem_step})
    nonce = str(data.get("nonce", ""))[:40]
    if not nonce:
        raise _refuse(_("This form has expired; please try again."))
    key = f"basket:{basket.id}:reserve:{nonce}"
    current = reservation_for(basket)
    if current is not None and current.points == points:
        raise _refuse(_("These points are already applied to your order."))
    with transaction.atomic():
        if LedgerEntry.objects.filter(operation=key).exists():
            raise _refuse(_("This form was already submitted. Nothing was changed."))
        if current is not None:
            facade.release(
                current, key=f"reservation:{current.pk}:release", reason=_("Points changed")
            )
        # The share is measured on the basket without points: re-apply Oscar's offers.
        forget_reservation(basket)
        basket._ecrm_points_reservation = None
        basket.reset_offer_applications()
        get_class("offer.applicator", "Applicator")().apply(basket, user, request)
        limit = int(max_discount(basket, settings) / settings.point_value)
        limit -= limit % settings.redeem_step
        if points > limit:
            raise _refuse(
                _("At most %(points)s points can be used on this order.") % {"points": limit}
                if limit
                else _("This order is too small to pay with points.")
            )
        result = facade.reserve(
            user,
            points,
            key=key,
            amount=money_for_points(points, settings.point_value),
            basket=basket,
            currency=basket.currency or "",
            expires_at=timezone.now() + timedelta(minutes=settings.reservation_minutes),
            reason=_("Reserved for checkout"),
        )
    points_offer()  # make sure the offer that turns the reservation into a discount exists
    forget_reservation(basket)
    return result.reservation


def remove_points(request: Any, data: dict) -> bool:
    """Release the points the basket holds; False when it holds none."""
    basket = request.basket
    _check_form(request.user, basket, data)
    current = reservation_for(basket)
    if current is None:
        return False
    facade.release(current, key=f"reservation:{current.pk}:release", reason=_("Removed"))
    forget_reservation(basket)
    return True


# -- order placed: spend; checkout abandoned: release ------------------------------------------


def _spend(reservation: Reservation, order: Any, discount: Decimal) -> facade.Result | None:
    """Spend what the order's discount cost (the rest of the reservation is released)."""
    settings = services.program()
    if discount <= 0:
        return facade.release(
            reservation,
            key=f"reservation:{reservation.pk}:release",
            reason=_("Order %(number)s placed without points") % {"number": order.number},
        )
    points = min(reservation.points, points_for_money(discount, settings.point_value))
    return facade.redeem(
        reservation.account.user_id,
        points,
        key=f"reservation:{reservation.pk}:redeem",
        reservation=reservation,
        order=order,
        reason=_("Order %(number)s") % {"number": order.number},
    )


def redeem_for_order(order: Any, discount: Decimal) -> str:
    """Called by the benefit when Oscar places the order (inside its transaction). Never
    raises: a failure is logged and ``settle_reservation`` (after commit) tries again."""
    reservation = (
        Reservation.objects.filter(basket_id=order.basket_id, status=Reservation.Status.ACTIVE)
        .select_related("account")
        .first()
        if order.basket_id
        else None
    )
    if reservation is None:
        return ""
    try:
        with transaction.atomic():
            result = _spend(reservation, order, discount)
    except Exception:
        logger.exception("Could not spend the points of order %s; will retry", order.number)
        return ""
    return _("Paid with %(points)s points") % {"points": -result.change} if result else ""


def _discount_of(order: Any) -> Decimal:
    offer = points_offer()
    return sum((d.amount for d in order.discounts.filter(offer_id=offer.pk)), Decimal("0"))


def settle_reservation(order: Any) -> facade.Result | None:
    """After the order committed: if its basket still holds points (the in-transaction
    spend failed), spend them for the discount recorded on the order, or release them."""
    if not order.basket_id:
        return None
    reservation = (
        Reservation.objects.filter(basket_id=order.basket_id, status=Reservation.Status.ACTIVE)
        .select_related("account")
        .first()
    )
    if reservation is None:
        return None
    return _spend(reservation, order, _discount_of(order))


def release_abandoned(now: datetime | None = None) -> int:
    """Release reservations past their time whose checkout was never finished (beat task).

    A basket that became an order is settled instead; a frozen basket (payment in
    progress) is left alone until twice the reservation time has passed.
    """
    now = now or timezone.now()
    settings = services.program()
    Order = get_model("order", "Order")
    Basket = get_model("basket", "Basket")
    released = 0
    due = Reservation.objects.filter(status=Reservation.Status.ACTIVE, expires_at__lte=now)
    for reservation in due.select_related("account", "basket"):
        order = Order.objects.filter(basket_id=reservation.basket_id).first() if (
            reservation.basket_id
        ) else None  # fmt: skip
        if order is not None:
            settle_reservation(order)
            continue
        basket = reservation.basket
        grace = reservation.expires_at + timedelta(minutes=settings.reservation_minutes)
        if basket is not None and basket.status == Basket.FROZEN and now < grace:
            continue
        try:
            facade.release(
                reservation,
                key=f"reservation:{reservation.pk}:release",
                reason=_("Checkout not finished"),
                at=now,
            )
            released += 1
        except LoyaltyError:  # closed meanwhile
            continue
    return released

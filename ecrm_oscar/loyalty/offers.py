"""The points discount as an Oscar offer: a custom condition and benefit (proxy models).

One site offer, "Loyalty points" (created on first use by ``redemption.points_offer``),
pairs :class:`PointsCondition` with :class:`PointsDiscountBenefit`. Oscar's own
``Applicator`` applies it to every basket, so no Oscar app has to be forked: the
condition holds only for a basket with an active points reservation, and the benefit
takes the reservation's amount off the basket (capped at the owner's maximum share).
When the order is placed, Oscar calls the benefit's ``apply_deferred`` inside the order's
transaction, which spends the reserved points (``facade.redeem``), so the order and the
points it used commit together.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.utils.translation import gettext as _
from oscar.core.loading import get_class, get_model

logger = logging.getLogger("ecrm.loyalty")

Condition = get_model("offer", "Condition")
AbsoluteDiscountBenefit = get_class("offer.benefits", "AbsoluteDiscountBenefit")
ZERO_DISCOUNT = get_class("offer.results", "ZERO_DISCOUNT")

CONDITION_PATH = "ecrm_oscar.loyalty.offers.PointsCondition"
COUPON_CONDITION_PATH = "ecrm_oscar.loyalty.offers.PersonalCouponCondition"
BENEFIT_PATH = "ecrm_oscar.loyalty.offers.PointsDiscountBenefit"


class PointsCondition(Condition):
    """Satisfied by a basket whose owner has points reserved for it."""

    class Meta:
        app_label = "ecrm_loyalty"
        proxy = True
        verbose_name = "Loyalty points reserved"

    @property
    def name(self):
        return _("Points reserved at checkout")

    @property
    def description(self):
        return self.name

    def is_satisfied(self, offer, basket):
        from ecrm_oscar.loyalty.redemption import reservation_for

        return reservation_for(basket) is not None

    def is_partially_satisfied(self, offer, basket):
        return False


class PointsDiscountBenefit(AbsoluteDiscountBenefit):
    """Takes the reserved points' value off the basket (at most the owner's share)."""

    class Meta:
        app_label = "ecrm_loyalty"
        proxy = True
        verbose_name = "Loyalty points discount"

    @property
    def name(self):
        return _("Discount paid with loyalty points")

    @property
    def description(self):
        return self.name

    def apply(self, basket, condition, offer, **kwargs):
        from ecrm_oscar.loyalty.redemption import max_discount, reservation_for

        reservation = reservation_for(basket)
        if reservation is None:
            return ZERO_DISCOUNT
        return super().apply(
            basket,
            condition,
            offer,
            discount_amount=reservation.amount,
            max_total_discount=max_discount(basket),
        )

    def apply_deferred(self, basket, order, application):
        """Spend the reserved points for the discount the order got (in its transaction)."""
        from ecrm_oscar.loyalty.redemption import redeem_for_order

        return redeem_for_order(order, application.get("discount") or Decimal("0"))


class PersonalCouponCondition(Condition):
    """A personal coupon's condition: the voucher must be the basket owner's own, and the
    basket must reach the campaign's minimum (``value``; 0 for none)."""

    class Meta:
        app_label = "ecrm_loyalty"
        proxy = True
        verbose_name = "Personal coupon owner"

    @property
    def name(self):
        return _("The coupon's owner's basket")

    @property
    def description(self):
        return self.name

    def is_satisfied(self, offer, basket):
        from ecrm_oscar.loyalty.models import PersonalCoupon

        voucher = offer.get_voucher()
        if voucher is None or not basket.owner_id:
            return False
        owned = PersonalCoupon.objects.filter(voucher=voucher, user_id=basket.owner_id)
        if not owned.exists():
            return False
        minimum = self.value or Decimal("0")
        return basket.total_excl_tax_excl_discounts >= minimum

    def is_partially_satisfied(self, offer, basket):
        return False

"""Background work of the loyalty programme. Tasks take ids, reload what they need and
are idempotent (every ledger write has a key), so a retry after a crash or a signal
delivered twice changes nothing. Periodic ones are listed in ``schedule.BEAT_SCHEDULE``."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from oscar.core.loading import get_model

from ecrm_oscar.core.tasks import ecrm_task
from ecrm_oscar.loyalty import redemption, services


def _order(order_id: int):
    Order = get_model("order", "Order")
    return Order.objects.select_related("user").filter(pk=order_id).first()


@ecrm_task("ecrm.loyalty.award_order")
def award_order(order_id: int) -> int:
    """Award an order's points (``order_placed``), and settle its checkout reservation if
    spending the points inside the order's transaction did not happen."""
    order = _order(order_id)
    if order is None:
        return 0
    result = services.award_order(order)
    redemption.settle_reservation(order)
    return result.change if result is not None and result.created else 0


@ecrm_task("ecrm.loyalty.order_status_changed")
def order_status_changed(order_id: int, new_status: str) -> int:
    """Confirm at the owner's status; reverse (and give back spent points) on cancellation."""
    order = _order(order_id)
    if order is None:
        return 0
    settings = services.program()
    if settings.confirm_status and new_status == settings.confirm_status:
        return services.confirm_order(order)
    if settings.is_cancel_status(new_status):
        return -services.cancel_order(order)
    return 0


@ecrm_task("ecrm.loyalty.line_status_changed")
def line_status_changed(line_id: int, new_status: str) -> int:
    Line = get_model("order", "Line")
    line = Line.objects.select_related("order", "order__user").filter(pk=line_id).first()
    if line is None or not services.program().is_cancel_status(new_status):
        return 0
    return -services.cancel_line(line, key=f"line:{line.pk}:cancel")


@ecrm_task("ecrm.loyalty.payment_event")
def payment_event(event_id: int) -> int:
    """A refund recorded as an Oscar payment event: reverse line by line."""
    PaymentEvent = get_model("order", "PaymentEvent")
    event = PaymentEvent.objects.select_related("order", "event_type").filter(pk=event_id).first()
    if event is None:
        return 0
    return -services.handle_payment_event(event)


@ecrm_task("ecrm.loyalty.registered")
def registered(user_id: int, referral_code: str = "") -> None:
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return
    services.registration_bonus(user)
    if referral_code:
        services.record_referral(user, referral_code)


@ecrm_task("ecrm.loyalty.review_approved")
def review_approved(review_id: int) -> None:
    ProductReview = get_model("reviews", "ProductReview")
    review = ProductReview.objects.select_related("user", "product").filter(pk=review_id).first()
    if review is not None:
        services.review_bonus(review)


@ecrm_task("ecrm.loyalty.send_coupon")
def send_coupon(coupon_id: int) -> bool:
    from ecrm_oscar.loyalty import coupons
    from ecrm_oscar.loyalty.models import PersonalCoupon

    coupon = PersonalCoupon.objects.select_related("user", "voucher", "campaign").filter(
        pk=coupon_id
    )
    found = coupon.first()
    return coupons.send(found) if found is not None else False


@ecrm_task("ecrm.loyalty.issue_coupons")
def issue_coupons(campaign_id: int) -> int:
    from ecrm_oscar.loyalty import coupons
    from ecrm_oscar.loyalty.models import CouponCampaign

    campaign = CouponCampaign.objects.filter(pk=campaign_id).first()
    return coupons.issue(campaign) if campaign is not None else 0


# -- periodic (celery beat) -----------------------------------------------------------


@ecrm_task("ecrm.loyalty.confirm_due")
def confirm_due() -> int:
    return services.confirm_due()


@ecrm_task("ecrm.loyalty.release_abandoned")
def release_abandoned() -> int:
    return redemption.release_abandoned()


@ecrm_task("ecrm.loyalty.expire_points")
def expire_points() -> dict:
    return services.expire_points()


@ecrm_task("ecrm.loyalty.birthday_bonuses")
def birthday_bonuses() -> int:
    return services.birthday_bonuses()


@ecrm_task("ecrm.loyalty.review_tiers")
def review_tiers() -> int:
    return services.review_tiers()

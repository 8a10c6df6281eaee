"""Oscar signals → loyalty tasks. Receivers only enqueue, after the commit, with ids.

Connected in ``EcrmLoyaltyConfig.ready()``; each goes through ``safe_receiver`` so it can
never break a checkout, and none filters on ``sender`` (API checkouts send from elsewhere).
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from oscar.apps.customer.signals import user_registered
from oscar.apps.order.signals import (
    order_line_status_changed,
    order_placed,
    order_status_changed,
)
from oscar.core.loading import get_model

from ecrm_oscar.core.receivers import safe_receiver
from ecrm_oscar.core.tasks import enqueue_on_commit
from ecrm_oscar.loyalty import tasks

#: Session key the referral link (``/ecrm/loyalty/r/<code>/``) stores its code under.
REFERRAL_SESSION_KEY = "ecrm_loyalty_referral"


@safe_receiver
def on_order_placed(sender, order, **kwargs):
    if order.user_id:
        enqueue_on_commit(tasks.award_order, order.pk)


@safe_receiver
def on_order_status_changed(sender, order, new_status, **kwargs):
    if order.user_id:
        enqueue_on_commit(tasks.order_status_changed, order.pk, new_status)


@safe_receiver
def on_line_status_changed(sender, line, new_status, **kwargs):
    enqueue_on_commit(tasks.line_status_changed, line.pk, new_status)


@safe_receiver
def on_payment_event(sender, instance, created, **kwargs):
    if created:
        enqueue_on_commit(tasks.payment_event, instance.pk)


@safe_receiver
def on_payment_event_quantity(sender, instance, created, **kwargs):
    # Oscar adds an event's lines after the event itself; the task (keyed per line) runs
    # again once they are there.
    if created:
        enqueue_on_commit(tasks.payment_event, instance.event_id)


@safe_receiver
def on_user_registered(sender, user, request=None, **kwargs):
    session = getattr(request, "session", None)
    code = session.get(REFERRAL_SESSION_KEY, "") if session is not None else ""
    enqueue_on_commit(tasks.registered, user.pk, code)


@safe_receiver
def on_review_saved(sender, instance, **kwargs):
    if instance.user_id and instance.status == instance.APPROVED:
        enqueue_on_commit(tasks.review_approved, instance.pk)


@safe_receiver
def on_tier_changed(sender, **kwargs):
    from ecrm_oscar.loyalty.services import clear_tier_cache

    clear_tier_cache()


def connect() -> None:
    uid = "ecrm.loyalty"
    order_placed.connect(on_order_placed, dispatch_uid=f"{uid}.order_placed")
    order_status_changed.connect(on_order_status_changed, dispatch_uid=f"{uid}.order_status")
    order_line_status_changed.connect(on_line_status_changed, dispatch_uid=f"{uid}.line_status")
    post_save.connect(
        on_payment_event, sender=get_model("order", "PaymentEvent"), dispatch_uid=f"{uid}.pe"
    )
    post_save.connect(
        on_payment_event_quantity,
        sender=get_model("order", "PaymentEventQuantity"),
        dispatch_uid=f"{uid}.peq",
    )
    user_registered.connect(on_user_registered, dispatch_uid=f"{uid}.registered")
    post_save.connect(
        on_review_saved, sender=get_model("reviews", "ProductReview"), dispatch_uid=f"{uid}.review"
    )
    from ecrm_oscar.loyalty.models import Tier

    post_save.connect(on_tier_changed, sender=Tier, dispatch_uid=f"{uid}.tier_saved")
    post_delete.connect(on_tier_changed, sender=Tier, dispatch_uid=f"{uid}.tier_deleted")

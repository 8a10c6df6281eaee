"""Oscar signals that trigger flows. Cheap and safe: each enqueues a task after commit."""

from __future__ import annotations

from oscar.core.loading import get_class

from ecrm_oscar import conf
from ecrm_oscar.core.receivers import safe_receiver
from ecrm_oscar.core.tasks import enqueue_on_commit

order_placed = get_class("order.signals", "order_placed")
order_status_changed = get_class("order.signals", "order_status_changed")
user_registered = get_class("customer.signals", "user_registered")
start_checkout = get_class("checkout.signals", "start_checkout")

#: The checkbox the checkout gateway template adds (ecrm/automation/checkout/consent.html).
CHECKOUT_CONSENT_FIELD = "ecrm_marketing_consent"


@safe_receiver(atomic=False)
def on_user_registered(sender, user=None, **kwargs):
    from ecrm_oscar.automation import tasks

    if user is not None and user.pk:
        enqueue_on_commit(tasks.trigger_welcome, user.pk)


@safe_receiver(atomic=False)
def on_order_placed(sender, order=None, **kwargs):
    from ecrm_oscar.automation import tasks

    if order is not None and order.pk:
        enqueue_on_commit(tasks.record_order, order.pk)


@safe_receiver(atomic=False)
def on_order_status_changed(sender, order=None, new_status=None, **kwargs):
    from ecrm_oscar.automation import tasks

    if order is not None and new_status == conf.get("ECRM_AUTOMATION_SURVEY_ORDER_STATUS"):
        enqueue_on_commit(tasks.trigger_survey, order.pk)


@safe_receiver
def on_start_checkout(sender, request=None, email=None, **kwargs):
    """A guest gave an email at the checkout gateway: link it to their basket, and record
    their marketing consent when they ticked the box."""
    from ecrm_oscar.automation import services
    from ecrm_oscar.privacy.services import box_ticked

    basket = getattr(request, "basket", None)
    if not email or request is None or request.user.is_authenticated:
        return
    services.link_guest_basket(basket, email, consent=box_ticked(request, CHECKOUT_CONSENT_FIELD))


def connect() -> None:
    uid = "ecrm.automation"
    user_registered.connect(on_user_registered, dispatch_uid=f"{uid}.user_registered")
    order_placed.connect(on_order_placed, dispatch_uid=f"{uid}.order_placed")
    order_status_changed.connect(on_order_status_changed, dispatch_uid=f"{uid}.order_status")
    start_checkout.connect(on_start_checkout, dispatch_uid=f"{uid}.start_checkout")

"""Keep the read side's caches honest without a query on the request path.

- Owner settings, products, stock records and product categories saved or deleted:
  ``services.lists_changed()`` retires every cached list and the cached configuration
  (one cache write).
- tracking's ``events_recorded``: impressions and clicks update the shopper's cached
  feedback counts (demotion); a product view retires their cached "recently viewed".
- Oscar's ``order_placed`` → ``tasks.refresh_order(order_id)`` after the commit
  (customers' orders only, when ``ECRM_RECOMMENDATION_UPDATE_ON_ORDER`` is on and the owner
  has recommendations switched on): no computing on the checkout path.
"""

from __future__ import annotations

from django.apps import apps
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from oscar.apps.order.signals import order_placed
from oscar.core.loading import get_model

from ecrm_oscar import conf
from ecrm_oscar.core.receivers import safe_receiver
from ecrm_oscar.core.tasks import enqueue_on_commit
from ecrm_oscar.dashboard.switches import capability_on


@safe_receiver(atomic=False)
def on_catalogue_or_settings_change(sender, **kwargs) -> None:
    from ecrm_oscar.recommendations.services import lists_changed

    lists_changed()


def _identities(event) -> list[str]:
    found = []
    if event.user_id:
        found.append(f"user:{event.user_id}")
    if event.visitor_id:
        found.append(f"visitor:{event.visitor_id}")
    return found


@safe_receiver(atomic=False)
def on_events_recorded(sender, events=(), **kwargs) -> None:
    from ecrm_oscar.recommendations.services import add_feedback, feedback_key
    from ecrm_oscar.recommendations.strategies import recently_viewed_key
    from ecrm_oscar.tracking.event_types import (
        PRODUCT_VIEWED,
        RECOMMENDATION_CLICKED,
        RECOMMENDATION_IMPRESSION,
    )

    feedback_types = (RECOMMENDATION_IMPRESSION, RECOMMENDATION_CLICKED)
    viewed: set[str] = set()
    touched: dict[str, dict] = {}
    for event in events:
        if event.type == PRODUCT_VIEWED:
            viewed.update(_identities(event))
        elif event.type in feedback_types:
            for identity in _identities(event):
                if identity not in touched:
                    touched[identity] = cache.get(feedback_key(identity))
                counts = touched[identity]
                if counts is not None:  # not cached yet: built from the events when read
                    add_feedback(counts, event.type, event.product_id, event.payload)
    seconds = conf.get("ECRM_RECOMMENDATION_FEEDBACK_DAYS") * 24 * 3600
    for identity, counts in touched.items():
        if counts is not None:
            cache.set(feedback_key(identity), counts, seconds)
    if viewed:
        cache.delete_many([recently_viewed_key(identity) for identity in viewed])


@safe_receiver(atomic=False)
def on_order_placed(sender, order=None, user=None, **kwargs) -> None:
    from ecrm_oscar.recommendations import tasks

    if not conf.get("ECRM_RECOMMENDATION_UPDATE_ON_ORDER") or not capability_on("recommendations"):
        return
    if getattr(order, "pk", None) and getattr(order, "user_id", None):
        enqueue_on_commit(tasks.refresh_order, order.pk)


def connect() -> None:
    order_placed.connect(on_order_placed, dispatch_uid="ecrm_recommendations.order_placed")
    from ecrm_oscar.recommendations.models import Exclusion, Pin, PlacementSetting

    senders = [
        PlacementSetting,
        Exclusion,
        Pin,
        get_model("catalogue", "Product"),
        get_model("catalogue", "ProductCategory"),
        get_model("catalogue", "Category"),
        get_model("partner", "StockRecord"),
    ]
    for model in senders:
        uid = f"ecrm_recommendations.changed.{model._meta.label}"
        post_save.connect(on_catalogue_or_settings_change, sender=model, dispatch_uid=uid)
        post_delete.connect(on_catalogue_or_settings_change, sender=model, dispatch_uid=uid)
    if apps.is_installed("ecrm_oscar.tracking"):
        from ecrm_oscar.tracking.signals import events_recorded

        events_recorded.connect(on_events_recorded, dispatch_uid="ecrm_recommendations.events")

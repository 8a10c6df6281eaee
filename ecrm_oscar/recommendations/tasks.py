"""Celery tasks of the recommendations app: the full retrain (schedule it with beat:
``ecrm_oscar.recommendations.schedule.BEAT_SCHEDULE``) and the cheap refresh after an order."""

from ecrm_oscar.core.tasks import ecrm_task
from ecrm_oscar.recommendations import services
from ecrm_oscar.recommendations.training import refresh_after_order, train_all


@ecrm_task("ecrm.recommendations.train")
def train() -> dict:
    """Retrain every list; idempotent (each strategy's rows are replaced atomically)."""
    report = train_all()
    services.lists_changed()  # the read side's cached lists are retired at once
    return {"seconds": round(report.seconds, 2), "rows": report.rows}


@ecrm_task("ecrm.recommendations.refresh_order")
def refresh_order(order_id: int) -> dict:
    """After ``order_placed``: the customer's personal list and the ordered products'
    also-bought lists, without a retrain; idempotent (lists are replaced)."""
    result = refresh_after_order(order_id)
    services.lists_changed()  # readers see the refreshed lists at once
    return result

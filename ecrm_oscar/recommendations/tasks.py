"""Celery tasks of the recommendations app (schedule ``ecrm.recommendations.train`` with beat)."""

from ecrm_oscar.core.tasks import ecrm_task
from ecrm_oscar.recommendations.training import train_all


@ecrm_task("ecrm.recommendations.train")
def train() -> dict:
    """Retrain every list; idempotent (each strategy's rows are replaced atomically)."""
    report = train_all()
    return {"seconds": round(report.seconds, 2), "rows": report.rows}

import os

from ecrm_oscar.core.tasks import ecrm_task


@ecrm_task("ecrm.tests.record_effect", autoretry_for=())
def record_effect(label: str) -> int:
    """Idempotent: a second delivery of the same label writes nothing new."""
    from tests.integration_app.models import TaskEffect

    effect, _ = TaskEffect.objects.get_or_create(label=label, defaults={"worker_pid": os.getpid()})
    return effect.pk

from oscar.core.loading import is_model_registered

from ecrm_oscar.tracking.abstract_models import AbstractEvent

__all__ = []

if not is_model_registered("ecrm_tracking", "Event"):

    class Event(AbstractEvent):
        class Meta(AbstractEvent.Meta):
            abstract = False
            db_table = "ecrm_tracking_event"

    __all__.append("Event")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EcrmTrackingConfig(AppConfig):
    name = "ecrm_oscar.tracking"
    label = "ecrm_tracking"
    verbose_name = _("eCRM behaviour tracking")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ecrm_oscar.tracking import receivers

        receivers.connect()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EcrmTrackingConfig(AppConfig):
    name = "ecrm_oscar.tracking"
    label = "ecrm_tracking"
    verbose_name = _("eCRM behaviour tracking")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Importing registers the system checks (ecrm.E101 ...).
        from ecrm_oscar.tracking import checks, receivers  # noqa: F401

        receivers.connect()

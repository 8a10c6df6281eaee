from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EcrmAutomationConfig(AppConfig):
    name = "ecrm_oscar.automation"
    label = "ecrm_automation"
    verbose_name = _("eCRM marketing automation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ecrm_oscar.automation import receivers

        receivers.connect()

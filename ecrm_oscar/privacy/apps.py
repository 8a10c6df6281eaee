from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EcrmPrivacyConfig(AppConfig):
    name = "ecrm_oscar.privacy"
    label = "ecrm_privacy"
    verbose_name = _("eCRM privacy")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ecrm_oscar.privacy import receivers

        receivers.connect()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EcrmCoreConfig(AppConfig):
    name = "ecrm_oscar.core"
    label = "ecrm_core"
    verbose_name = _("eCRM core")

    def ready(self) -> None:
        # Importing registers the system checks (ecrm.E001 ...).
        from ecrm_oscar import checks  # noqa: F401

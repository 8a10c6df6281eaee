from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EcrmSupportConfig(AppConfig):
    name = "ecrm_oscar.support"
    label = "ecrm_support"
    verbose_name = _("eCRM support cases")
    default_auto_field = "django.db.models.BigAutoField"

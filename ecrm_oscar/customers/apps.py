from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EcrmCustomersConfig(AppConfig):
    name = "ecrm_oscar.customers"
    label = "ecrm_customers"
    verbose_name = _("eCRM customers and segments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ecrm_oscar.customers import checks, receivers, rules  # noqa: F401

        rules.register_builtin_rules()
        receivers.connect()

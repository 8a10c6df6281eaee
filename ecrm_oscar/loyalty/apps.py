from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EcrmLoyaltyConfig(AppConfig):
    name = "ecrm_oscar.loyalty"
    label = "ecrm_loyalty"
    verbose_name = _("eCRM loyalty programme")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ecrm_oscar.loyalty import receivers

        receivers.connect()

        from ecrm_oscar.loyalty import segment_rules

        if segment_rules.customers_installed():
            segment_rules.register()

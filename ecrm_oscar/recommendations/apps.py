from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EcrmRecommendationsConfig(AppConfig):
    name = "ecrm_oscar.recommendations"
    label = "ecrm_recommendations"
    verbose_name = _("eCRM recommendations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ecrm_oscar.recommendations import receivers, strategies

        strategies.register_builtins()
        receivers.connect()

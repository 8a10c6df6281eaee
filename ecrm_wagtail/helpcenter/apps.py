from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HelpCenterConfig(AppConfig):
    name = "ecrm_wagtail.helpcenter"
    label = "ecrm_helpcenter"
    verbose_name = _("Help center")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ecrm_wagtail.helpcenter import receivers

        receivers.connect()

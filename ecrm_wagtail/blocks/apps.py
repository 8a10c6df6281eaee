from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EcrmBlocksConfig(AppConfig):
    name = "ecrm_wagtail.blocks"
    label = "ecrm_blocks"
    verbose_name = _("eCRM Wagtail blocks")

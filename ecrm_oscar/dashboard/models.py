"""Owner toggles of the console: which capabilities run on a site, and their main settings.

One row per Wagtail/Django ``Site``; a site without a row runs every capability with the
project's ``ECRM_*`` settings. Read through :mod:`ecrm_oscar.dashboard.switches` (cached),
never directly on a request path.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: The capabilities a site may switch off, with their labels (order of the settings page).
CAPABILITIES: dict[str, str] = {
    "tracking": _("Tracking (events of visitors and customers)"),
    "customers": _("Customer profiles and segments"),
    "recommendations": _("Recommendations"),
    "loyalty": _("Loyalty programme"),
    "automation": _("Automation (flows, messages, surveys)"),
    "help_assistant": _("Help assistant"),
}


class SiteSettings(models.Model):
    """The owner's switches and main settings of one site (effective without a restart)."""

    TRACKING_MODES = [
        ("", _("As configured (ECRM_TRACKING_MODE)")),
        ("all", _("Every visitor (Do-Not-Track, GPC and bots excepted)")),
        ("consent", _("Only visitors who accept the consent banner")),
        ("off", _("Nobody")),
    ]

    site = models.OneToOneField(
        "sites.Site",
        on_delete=models.CASCADE,
        related_name="ecrm_settings",
        verbose_name=_("site"),
    )
    tracking_enabled = models.BooleanField(CAPABILITIES["tracking"], default=True)
    customers_enabled = models.BooleanField(CAPABILITIES["customers"], default=True)
    recommendations_enabled = models.BooleanField(CAPABILITIES["recommendations"], default=True)
    loyalty_enabled = models.BooleanField(CAPABILITIES["loyalty"], default=True)
    automation_enabled = models.BooleanField(CAPABILITIES["automation"], default=True)
    help_assistant_enabled = models.BooleanField(CAPABILITIES["help_assistant"], default=True)
    tracking_mode = models.CharField(
        _("tracking mode"), max_length=16, blank=True, default="", choices=TRACKING_MODES
    )
    tracking_retention_days = models.PositiveIntegerField(
        _("keep events for (days)"),
        null=True,
        blank=True,
        help_text=_("Empty: as configured (ECRM_TRACKING_RETENTION_DAYS)."),
    )
    recommendations_include_purchased = models.BooleanField(
        _("'Recommended for you' may list products the customer bought"),
        null=True,
        blank=True,
        help_text=_("Empty: as configured (ECRM_RECOMMENDATION_INCLUDE_PURCHASED)."),
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        db_table = "ecrm_dashboard_site_settings"
        verbose_name = _("eCRM site settings")
        verbose_name_plural = _("eCRM site settings")
        permissions = [
            ("manage_switches", _("Can switch eCRM capabilities and settings")),
            ("view_kpis", _("Can see the eCRM KPI overview")),
        ]

    def __str__(self) -> str:
        return f"eCRM settings of site {self.site_id}"

    def save(self, *args, **kwargs):
        self.updated_at = timezone.now()
        super().save(*args, **kwargs)

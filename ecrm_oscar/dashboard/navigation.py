"""The "eCRM" entry for ``OSCAR_DASHBOARD_NAVIGATION`` (importable from settings).

::

    from oscar.defaults import OSCAR_DASHBOARD_NAVIGATION
    from ecrm_oscar.dashboard.navigation import ECRM_NAVIGATION

    OSCAR_DASHBOARD_NAVIGATION = [*OSCAR_DASHBOARD_NAVIGATION, ECRM_NAVIGATION]

Oscar shows each child only to users who pass that view's permissions
(``EcrmDashboardConfig.permissions_map``). This module imports no models.
"""

from django.utils.translation import gettext_lazy as _

ECRM_NAVIGATION = {
    "label": _("eCRM"),
    "icon": "fas fa-user-circle",
    "children": [
        {"label": _("Customers"), "url_name": "ecrm:dashboard:ecrm-customer-list"},
        {"label": _("Segments"), "url_name": "ecrm:dashboard:ecrm-segment-list"},
        {"label": _("KPI overview"), "url_name": "ecrm:dashboard:ecrm-kpis"},
        {"label": _("Erasure log"), "url_name": "ecrm:dashboard:ecrm-erasure-log"},
        {"label": _("Settings"), "url_name": "ecrm:dashboard:ecrm-settings"},
    ],
}

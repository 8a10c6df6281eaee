"""The "Loyalty" entry for ``OSCAR_DASHBOARD_NAVIGATION`` (importable from settings)::

    from oscar.defaults import OSCAR_DASHBOARD_NAVIGATION
    from ecrm_oscar.loyalty.dashboard.navigation import LOYALTY_NAVIGATION

    OSCAR_DASHBOARD_NAVIGATION = [*OSCAR_DASHBOARD_NAVIGATION, LOYALTY_NAVIGATION]

Oscar shows each child only to users who pass its view's permissions. No model imports.
"""

from django.utils.translation import gettext_lazy as _

LOYALTY_NAVIGATION = {
    "label": _("Loyalty"),
    "icon": "fas fa-star",
    "children": [
        {"label": _("Overview"), "url_name": "ecrm:loyalty-dashboard:loyalty-index"},
        {"label": _("Accounts"), "url_name": "ecrm:loyalty-dashboard:loyalty-account-list"},
        {"label": _("Rules"), "url_name": "ecrm:loyalty-dashboard:loyalty-settings"},
        {"label": _("Tiers"), "url_name": "ecrm:loyalty-dashboard:loyalty-tier-list"},
        {
            "label": _("Personal coupons"),
            "url_name": "ecrm:loyalty-dashboard:loyalty-campaign-list",
        },
    ],
}

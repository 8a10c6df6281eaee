"""The "Automation" entry for ``OSCAR_DASHBOARD_NAVIGATION`` (importable from settings)::

    from ecrm_oscar.automation.dashboard.navigation import AUTOMATION_NAVIGATION

    OSCAR_DASHBOARD_NAVIGATION = [*OSCAR_DASHBOARD_NAVIGATION, AUTOMATION_NAVIGATION]

No model imports.
"""

from django.utils.translation import gettext_lazy as _

AUTOMATION_NAVIGATION = {
    "label": _("Automation"),
    "icon": "fas fa-paper-plane",
    "children": [
        {"label": _("Flows"), "url_name": "ecrm:automation-dashboard:automation-flow-list"},
        {"label": _("Message log"), "url_name": "ecrm:automation-dashboard:automation-messages"},
        {
            "label": _("Survey results (NPS)"),
            "url_name": "ecrm:automation-dashboard:automation-nps",
        },
    ],
}

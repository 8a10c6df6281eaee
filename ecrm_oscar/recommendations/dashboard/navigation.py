"""Menu entries of the recommendations' dashboard pages (importable from settings).

They belong in the "eCRM" menu::

    from ecrm_oscar.dashboard import navigation as ecrm_navigation
    from ecrm_oscar.recommendations.dashboard import navigation as recommendations_navigation

    OSCAR_DASHBOARD_NAVIGATION = [
        *OSCAR_DASHBOARD_NAVIGATION,
        {
            **ecrm_navigation.ECRM_NAVIGATION,
            "children": [
                *ecrm_navigation.ECRM_NAVIGATION["children"],
                *recommendations_navigation.CHILDREN,
            ],
        },
    ]

or, without the eCRM dashboard, as a menu of their own (``MENU``). Oscar shows each entry
only to users who pass its view's permissions. No model imports.
"""

from django.utils.translation import gettext_lazy as _

CHILDREN = [
    {
        "label": _("Recommendation analytics"),
        "url_name": "ecrm:recommendations-dashboard:recommendations-analytics",
    },
    {
        "label": _("Recommendation placements"),
        "url_name": "ecrm:recommendations-dashboard:recommendations-placement-list",
    },
    {
        "label": _("Recommendation exclusions"),
        "url_name": "ecrm:recommendations-dashboard:recommendations-exclusion-list",
    },
    {
        "label": _("Pinned recommendations"),
        "url_name": "ecrm:recommendations-dashboard:recommendations-pin-list",
    },
]

MENU = {"label": _("Recommendations"), "icon": "fas fa-thumbs-up", "children": CHILDREN}

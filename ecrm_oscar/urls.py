"""Public URLs of django-ecrm, for one ``path("", include("ecrm_oscar.urls"))``.

Every capability app that serves endpoints (beacons, fragments, JSON) is reached through
this module, under the ``ecrm`` namespace and the ``ecrm/`` prefix, so a project includes
the plugin once and never has to touch its URLconf again when it enables more apps. An
app's URLs are included only when the app is installed. The dashboard pages live under
Oscar's dashboard, at ``/dashboard/ecrm/`` (namespace ``ecrm:dashboard``,
docs/dashboard.md).
"""

from django.apps import apps
from django.urls import include, path

from ecrm_oscar.core import views as core_views

app_name = "ecrm"

urlpatterns = [
    path("ecrm/health/", core_views.health, name="health"),
]

if apps.is_installed("ecrm_oscar.tracking"):
    urlpatterns.append(path("", include("ecrm_oscar.tracking.urls")))
if apps.is_installed("ecrm_oscar.recommendations"):
    urlpatterns.append(path("", include("ecrm_oscar.recommendations.urls")))

if apps.is_installed("ecrm_oscar.dashboard"):
    urlpatterns.append(
        path(
            "dashboard/ecrm/",
            include((apps.get_app_config("ecrm_dashboard").urls[0], "dashboard")),
        )
    )

if apps.is_installed("ecrm_wagtail.blocks"):
    urlpatterns.append(path("ecrm/blocks/", include("ecrm_wagtail.blocks.urls")))
# --- support cases (issue 6): shopper pages under /ecrm/support/ ---
if apps.is_installed("ecrm_oscar.support"):
    from ecrm_oscar.support.urls import urlpatterns as support_urls

    urlpatterns += support_urls
if apps.is_installed("ecrm_oscar.loyalty"):
    urlpatterns.append(path("ecrm/loyalty/", include("ecrm_oscar.loyalty.urls")))

if apps.is_installed("ecrm_oscar.recommendations.dashboard"):
    # Recommendation analytics, placements, exclusions and pins (docs/recommendations.md).
    urlpatterns.append(
        path(
            "dashboard/recommendations/",
            include(
                (
                    apps.get_app_config("ecrm_recommendations_dashboard").urls[0],
                    "recommendations-dashboard",
                )
            ),
        )
    )

if apps.is_installed("ecrm_oscar.loyalty.dashboard"):
    # The owner's loyalty pages, under Oscar's dashboard (docs/loyalty.md, "Dashboard").
    urlpatterns.append(
        path(
            "dashboard/loyalty/",
            include((apps.get_app_config("ecrm_loyalty_dashboard").urls[0], "loyalty-dashboard")),
        )
    )
if apps.is_installed("ecrm_oscar.privacy"):
    # The shopper's "Your data" page and download (docs/privacy.md).
    urlpatterns.append(path("ecrm/privacy/", include("ecrm_oscar.privacy.urls")))

# --- marketing automation (issue 7): email links under /ecrm/a/, dashboard pages ---
if apps.is_installed("ecrm_oscar.automation"):
    urlpatterns.append(path("ecrm/a/", include("ecrm_oscar.automation.urls")))
if apps.is_installed("ecrm_oscar.automation.dashboard"):
    urlpatterns.append(
        path(
            "dashboard/automation/",
            include(
                (apps.get_app_config("ecrm_automation_dashboard").urls[0], "automation-dashboard")
            ),
        )
    )

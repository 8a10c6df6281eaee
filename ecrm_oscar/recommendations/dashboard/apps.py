"""The recommendations' pages in Oscar's dashboard (an ``OscarDashboardConfig`` sub-app).

Mounted by ``ecrm_oscar.urls`` at ``/dashboard/recommendations/`` (namespace
``ecrm:recommendations-dashboard``) when installed; menu entries in ``navigation.py``
(under the "eCRM" menu in the demo shop).
"""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig


class RecommendationsDashboardConfig(OscarDashboardConfig):
    name = "ecrm_oscar.recommendations.dashboard"
    label = "ecrm_recommendations_dashboard"
    verbose_name = _("Recommendations dashboard")
    namespace = "recommendations-dashboard"
    default = True  # picked over the imported OscarDashboardConfig

    default_permissions = ["is_staff"]

    def configure_permissions(self):
        staff = ["is_staff"]
        app = "ecrm_recommendations"
        self.permissions_map = {
            "recommendations-analytics": staff,
            "recommendations-placement-list": staff,
            "recommendations-placement-update": [*staff, f"{app}.change_placementsetting"],
            "recommendations-exclusion-list": staff,
            "recommendations-exclusion-create": [*staff, f"{app}.add_exclusion"],
            "recommendations-exclusion-delete": [*staff, f"{app}.delete_exclusion"],
            "recommendations-pin-list": staff,
            "recommendations-pin-create": [*staff, f"{app}.add_pin"],
            "recommendations-pin-delete": [*staff, f"{app}.delete_pin"],
        }

    # pylint: disable=attribute-defined-outside-init
    def ready(self):
        self.configure_permissions()

    def get_urls(self):
        from ecrm_oscar.recommendations.dashboard import views

        urls = [
            path("", views.AnalyticsView.as_view(), name="recommendations-analytics"),
            path(
                "placements/",
                views.PlacementListView.as_view(),
                name="recommendations-placement-list",
            ),
            path(
                "placements/<slug:placement>/",
                views.PlacementUpdateView.as_view(),
                name="recommendations-placement-update",
            ),
            path(
                "exclusions/",
                views.ExclusionListView.as_view(),
                name="recommendations-exclusion-list",
            ),
            path(
                "exclusions/new/",
                views.ExclusionCreateView.as_view(),
                name="recommendations-exclusion-create",
            ),
            path(
                "exclusions/<int:pk>/delete/",
                views.ExclusionDeleteView.as_view(),
                name="recommendations-exclusion-delete",
            ),
            path("pins/", views.PinListView.as_view(), name="recommendations-pin-list"),
            path("pins/new/", views.PinCreateView.as_view(), name="recommendations-pin-create"),
            path(
                "pins/<int:pk>/delete/",
                views.PinDeleteView.as_view(),
                name="recommendations-pin-delete",
            ),
        ]
        return self.post_process_urls(urls)

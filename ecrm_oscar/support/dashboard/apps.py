from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig


class SupportDashboardConfig(OscarDashboardConfig):
    """Staff work support cases at /dashboard/support/ (see docs/support.md for the URL
    include and the OSCAR_DASHBOARD_NAVIGATION entry)."""

    default = True
    label = "ecrm_support_dashboard"
    name = "ecrm_oscar.support.dashboard"
    verbose_name = _("Support cases dashboard")
    default_permissions = ["is_staff"]

    def configure_permissions(self):
        self.permissions_map = {
            "ecrm-support-case-list": (["is_staff"],),
            "ecrm-support-case-detail": (["is_staff"],),
        }

    def ready(self):
        from ecrm_oscar.support.dashboard import views

        self.list_view = views.CaseListView
        self.detail_view = views.CaseDetailView
        self.configure_permissions()

    def get_urls(self):
        urls = [
            path("", self.list_view.as_view(), name="ecrm-support-case-list"),
            path("<int:pk>/", self.detail_view.as_view(), name="ecrm-support-case-detail"),
        ]
        return self.post_process_urls(urls)

"""Marketing automation in Oscar's dashboard (an ``OscarDashboardConfig``).

Mounted by ``ecrm_oscar.urls`` at ``/dashboard/automation/`` (namespace
``ecrm:automation-dashboard``) when installed; menu entry in ``navigation.py``.
"""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig


class AutomationDashboardConfig(OscarDashboardConfig):
    name = "ecrm_oscar.automation.dashboard"
    label = "ecrm_automation_dashboard"
    verbose_name = _("Automation dashboard")
    namespace = "automation-dashboard"
    default = True

    default_permissions = ["is_staff"]
    permissions_map = {
        "automation-flow-list": (["is_staff"],),
        "automation-flow-detail": (["is_staff"],),
        "automation-flow-edit": (["is_staff"],),
        "automation-messages": (["is_staff"],),
        "automation-nps": (["is_staff"],),
    }

    def get_urls(self):
        from ecrm_oscar.automation.dashboard import views

        urls = [
            path("", views.FlowListView.as_view(), name="automation-flow-list"),
            path("flows/<int:pk>/", views.FlowDetailView.as_view(), name="automation-flow-detail"),
            path("flows/<int:pk>/edit/", views.FlowEditView.as_view(), name="automation-flow-edit"),
            path("messages/", views.MessageListView.as_view(), name="automation-messages"),
            path("nps/", views.NpsView.as_view(), name="automation-nps"),
        ]
        return self.post_process_urls(urls)

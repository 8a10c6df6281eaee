"""The loyalty programme's pages in Oscar's dashboard (an ``OscarDashboardConfig``).

Mounted by ``ecrm_oscar.urls`` at ``/dashboard/loyalty/`` (namespace
``ecrm:loyalty-dashboard``) when installed; menu entry in ``navigation.py``.
"""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig


class LoyaltyDashboardConfig(OscarDashboardConfig):
    name = "ecrm_oscar.loyalty.dashboard"
    label = "ecrm_loyalty_dashboard"
    verbose_name = _("Loyalty dashboard")
    namespace = "loyalty-dashboard"
    default = True  # picked over the imported OscarDashboardConfig

    default_permissions = ["is_staff"]

    def get_urls(self):
        from ecrm_oscar.loyalty.dashboard import views

        urls = [
            path("", views.IndexView.as_view(), name="loyalty-index"),
            path("rules/", views.SettingsView.as_view(), name="loyalty-settings"),
            path("tiers/", views.TierListView.as_view(), name="loyalty-tier-list"),
            path("tiers/new/", views.TierCreateView.as_view(), name="loyalty-tier-create"),
            path("tiers/<int:pk>/", views.TierUpdateView.as_view(), name="loyalty-tier-update"),
            path(
                "tiers/<int:pk>/delete/",
                views.TierDeleteView.as_view(),
                name="loyalty-tier-delete",
            ),
            path("accounts/", views.AccountListView.as_view(), name="loyalty-account-list"),
            path(
                "accounts/<int:pk>/",
                views.AccountDetailView.as_view(),
                name="loyalty-account-detail",
            ),
            path("ledger.csv", views.LedgerExportView.as_view(), name="loyalty-ledger-export"),
            path("coupons/", views.CampaignListView.as_view(), name="loyalty-campaign-list"),
            path(
                "coupons/new/", views.CampaignCreateView.as_view(), name="loyalty-campaign-create"
            ),
            path(
                "coupons/<int:pk>/",
                views.CampaignDetailView.as_view(),
                name="loyalty-campaign-detail",
            ),
        ]
        return self.post_process_urls(urls)

from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig


class EcrmDashboardConfig(OscarDashboardConfig):
    """An Oscar dashboard sub-app: permissions as Oscar's own dashboard apps declare them.

    Oscar's ``DashboardConfig`` includes its sub-apps in its own ``get_urls``; rather than
    asking projects to fork it, django-ecrm mounts these URLs at ``/dashboard/ecrm/``
    from ``ecrm_oscar.urls`` (namespace ``ecrm:dashboard``). ``post_process_urls`` wraps
    every view with Oscar's ``permissions_required`` from ``permissions_map``, and
    Oscar's navigation checks the same map before it shows the "eCRM" menu.
    """

    default = True
    label = "ecrm_dashboard"
    name = "ecrm_oscar.dashboard"
    verbose_name = _("eCRM dashboard")
    namespace = "dashboard"

    default_permissions = ["is_staff"]

    def configure_permissions(self):
        staff = ["is_staff"]
        self.permissions_map = {
            "ecrm-customer-list": staff,
            "ecrm-customer-detail": staff,
            "ecrm-segment-list": staff,
            "ecrm-segment-create": [*staff, "ecrm_customers.add_segment"],
            "ecrm-segment-update": [*staff, "ecrm_customers.change_segment"],
            "ecrm-segment-delete": [*staff, "ecrm_customers.delete_segment"],
            "ecrm-settings": [*staff, "ecrm_dashboard.manage_switches"],
            "ecrm-kpis": [*staff, "ecrm_dashboard.view_kpis"],
            "ecrm-kpis-csv": [*staff, "ecrm_dashboard.view_kpis"],
            "ecrm-kpis-json": [*staff, "ecrm_dashboard.view_kpis"],
            "ecrm-privacy-export": [*staff, "ecrm_privacy.export_personal_data"],
            "ecrm-privacy-erase": [*staff, "ecrm_privacy.erase_personal_data"],
            "ecrm-erasure-log": [*staff, "ecrm_privacy.view_erasurelog"],
        }

    # pylint: disable=attribute-defined-outside-init
    def ready(self):
        from ecrm_oscar.dashboard import switches, views

        self.views = views
        self.configure_permissions()
        switches.connect()

    def get_urls(self):
        v = self.views
        urls = [
            path("customers/", v.CustomerListView.as_view(), name="ecrm-customer-list"),
            path(
                "customers/<int:pk>/",
                v.CustomerDetailView.as_view(),
                name="ecrm-customer-detail",
            ),
            path("segments/", v.SegmentListView.as_view(), name="ecrm-segment-list"),
            path("segments/new/", v.SegmentCreateView.as_view(), name="ecrm-segment-create"),
            path("segments/<int:pk>/", v.SegmentUpdateView.as_view(), name="ecrm-segment-update"),
            path(
                "segments/<int:pk>/delete/",
                v.SegmentDeleteView.as_view(),
                name="ecrm-segment-delete",
            ),
            path("settings/", v.SiteSettingsView.as_view(), name="ecrm-settings"),
            path("kpis/", v.KpiOverviewView.as_view(), name="ecrm-kpis"),
            path("kpis.csv", v.kpi_csv, name="ecrm-kpis-csv"),
            path("kpis.json", v.kpi_json, name="ecrm-kpis-json"),
            path(
                "customers/<int:pk>/export/",
                v.CustomerExportView.as_view(),
                name="ecrm-privacy-export",
            ),
            path(
                "customers/<int:pk>/erase/",
                v.CustomerEraseView.as_view(),
                name="ecrm-privacy-erase",
            ),
            path("erasures/", v.ErasureLogView.as_view(), name="ecrm-erasure-log"),
        ]
        return self.post_process_urls(urls)

"""Recommendations in Oscar's dashboard: analytics, placements, exclusions and pins."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.http import Http404
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import generic

from ecrm_oscar import conf
from ecrm_oscar.dashboard.switches import owner_value
from ecrm_oscar.recommendations import analytics, registry
from ecrm_oscar.recommendations.dashboard.forms import (
    ExclusionForm,
    PeriodForm,
    PinForm,
    PlacementSettingForm,
)
from ecrm_oscar.recommendations.models import Exclusion, Pin, Placement, PlacementSetting

TEMPLATES = "ecrm/recommendations/dashboard/"


def _strategy_label(name: str) -> str:
    strategy = registry.get(name)
    return strategy.label if strategy else name


class AnalyticsView(generic.TemplateView):
    """Impressions, clicks, CTR, attributed orders and revenue per placement and strategy."""

    template_name = TEMPLATES + "analytics.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = PeriodForm(self.request.GET or None)
        start, end = form.period()
        zone = timezone.get_current_timezone()
        start_at = datetime.combine(start, time.min, tzinfo=zone)
        end_at = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
        figures = analytics.placement_report(start_at, end_at)
        placements = dict(Placement.choices)
        for item in figures:
            item.placement_label = placements.get(item.placement, item.placement)
            item.strategy_label = _strategy_label(item.strategy)
        context.update(
            form=form,
            start=start,
            end=end,
            figures=figures,
            totals=analytics.totals(figures),
            window_days=conf.get("ECRM_RECOMMENDATION_ATTRIBUTION_DAYS"),
        )
        return context


class PlacementListView(generic.TemplateView):
    template_name = TEMPLATES + "placement_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        saved = {row.placement: row for row in PlacementSetting.objects.all()}
        default_include = owner_value(
            "recommendations_include_purchased", "ECRM_RECOMMENDATION_INCLUDE_PURCHASED"
        )
        rows = []
        for value, label in Placement.choices:
            row = saved.get(value)
            strategy = row.strategy if row else registry.DEFAULT_STRATEGIES[value]
            include = row.include_purchased if row else ""
            rows.append(
                {
                    "placement": value,
                    "label": label,
                    "strategy": _strategy_label(strategy),
                    "enabled": row.enabled if row else True,
                    "include_purchased": {"yes": True, "no": False}.get(include, default_include),
                    "include_is_default": not include,
                    "limit": row.limit if row else None,
                    "saved": row is not None,
                }
            )
        context["rows"] = rows
        return context


class PlacementUpdateView(generic.UpdateView):
    form_class = PlacementSettingForm
    template_name = TEMPLATES + "placement_form.html"
    success_url = reverse_lazy("ecrm:recommendations-dashboard:recommendations-placement-list")

    def get_object(self, queryset=None):
        placement = self.kwargs["placement"]
        if placement not in Placement.values:
            raise Http404("unknown placement")
        return PlacementSetting.objects.filter(placement=placement).first() or PlacementSetting(
            placement=placement, strategy=registry.DEFAULT_STRATEGIES[placement]
        )

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request,
            _("Saved: %(placement)s now shows “%(strategy)s”.")
            % {
                "placement": self.object.get_placement_display(),
                "strategy": _strategy_label(self.object.strategy),
            },
        )
        return response


class ExclusionListView(generic.ListView):
    template_name = TEMPLATES + "exclusion_list.html"
    context_object_name = "exclusions"
    paginate_by = 50

    def get_queryset(self):
        return Exclusion.objects.select_related("product", "category")


class ExclusionCreateView(generic.CreateView):
    form_class = ExclusionForm
    template_name = TEMPLATES + "exclusion_form.html"
    success_url = reverse_lazy("ecrm:recommendations-dashboard:recommendations-exclusion-list")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request, _("“%(name)s” is no longer recommended.") % {"name": self.object}
        )
        return response


class ExclusionDeleteView(generic.DeleteView):
    model = Exclusion
    template_name = TEMPLATES + "confirm_delete.html"
    success_url = reverse_lazy("ecrm:recommendations-dashboard:recommendations-exclusion-list")
    extra_context = {"kind": _("exclusion")}

    def form_valid(self, form):
        messages.success(
            self.request, _("“%(name)s” may be recommended again.") % {"name": self.object}
        )
        return super().form_valid(form)


class PinListView(generic.ListView):
    template_name = TEMPLATES + "pin_list.html"
    context_object_name = "pins"
    paginate_by = 50

    def get_queryset(self):
        return Pin.objects.select_related("product", "for_product", "for_category")


class PinCreateView(generic.CreateView):
    form_class = PinForm
    template_name = TEMPLATES + "pin_form.html"
    success_url = reverse_lazy("ecrm:recommendations-dashboard:recommendations-pin-list")

    def get_initial(self):
        initial = super().get_initial()
        if self.request.GET.get("placement") in Placement.values:
            initial["placement"] = self.request.GET["placement"]
        return initial

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Pinned: %(name)s.") % {"name": self.object})
        return response


class PinDeleteView(generic.DeleteView):
    model = Pin
    template_name = TEMPLATES + "confirm_delete.html"
    success_url = reverse_lazy("ecrm:recommendations-dashboard:recommendations-pin-list")
    extra_context = {"kind": _("pinned recommendation")}

    def form_valid(self, form):
        messages.success(self.request, _("Unpinned: %(name)s.") % {"name": self.object})
        return super().form_valid(form)

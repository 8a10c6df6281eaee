"""The owner's automation pages: flows, their settings and results, the log, NPS."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from ecrm_oscar.automation import services
from ecrm_oscar.automation.abstract_models import MessageStatus
from ecrm_oscar.automation.dashboard.forms import FlowForm, StepFormSet
from ecrm_oscar.automation.models import Flow, Message, SurveyResponse
from ecrm_oscar.automation.stats import FlowResults, flow_results, nps_summary


class FlowListView(TemplateView):
    template_name = "ecrm/automation/dashboard/flow_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        flows = list(Flow.objects.prefetch_related("steps"))
        results = flow_results()
        context["rows"] = [(flow, results.get(flow.pk, FlowResults())) for flow in flows]
        context["automation_enabled"] = services.automation_enabled()
        return context

    def post(self, request):
        """Switch a flow on or off from the list."""
        flow = get_object_or_404(Flow, pk=request.POST.get("flow"))
        flow.enabled = request.POST.get("enabled") == "1"
        flow.save(update_fields=["enabled", "updated_at"])
        messages.success(
            request,
            (_("%(flow)s is switched on.") if flow.enabled else _("%(flow)s is switched off."))
            % {"flow": flow.name},
        )
        return redirect("ecrm:automation-dashboard:automation-flow-list")


class FlowDetailView(View):
    template_name = "ecrm/automation/dashboard/flow_detail.html"

    def get(self, request, pk):
        flow = get_object_or_404(Flow.objects.prefetch_related("steps"), pk=pk)
        return render(
            request,
            self.template_name,
            {
                "flow": flow,
                "results": flow_results([flow.pk]).get(flow.pk, FlowResults()),
                "recent": Message.objects.filter(flow=flow).select_related("step", "user")[:20],
            },
        )

    def post(self, request, pk):
        """Resume a flow paused by a template error (after the owner fixed the template)."""
        flow = get_object_or_404(Flow, pk=pk)
        if "resume" in request.POST:
            Flow.objects.filter(pk=flow.pk).update(paused_at=None, pause_reason="")
            messages.success(request, _("The flow is running again."))
        return redirect("ecrm:automation-dashboard:automation-flow-detail", pk=flow.pk)


class FlowEditView(View):
    template_name = "ecrm/automation/dashboard/flow_form.html"

    def _render(self, request, flow, form, formset):
        return render(request, self.template_name, {"flow": flow, "form": form, "formset": formset})

    def get(self, request, pk):
        flow = get_object_or_404(Flow, pk=pk)
        return self._render(request, flow, FlowForm(instance=flow), StepFormSet(instance=flow))

    def post(self, request, pk):
        flow = get_object_or_404(Flow, pk=pk)
        form = FlowForm(request.POST, instance=flow)
        formset = StepFormSet(request.POST, instance=flow)
        if form.is_valid() and formset.is_valid():
            with transaction.atomic():
                form.save()
                formset.save()
            messages.success(request, _("The flow was saved."))
            return redirect("ecrm:automation-dashboard:automation-flow-detail", pk=flow.pk)
        return self._render(request, flow, form, formset)


class MessageListView(ListView):
    template_name = "ecrm/automation/dashboard/message_list.html"
    context_object_name = "log"
    paginate_by = 50

    def get_queryset(self):
        queryset = Message.objects.select_related("flow", "step", "user").order_by("-pk")
        status = self.request.GET.get("status", "")
        if status in MessageStatus.values:
            queryset = queryset.filter(status=status)
        flow = self.request.GET.get("flow", "")
        if flow.isdigit():
            queryset = queryset.filter(flow_id=int(flow))
        query = self.request.GET.get("q", "").strip()[:100]
        if query:
            queryset = queryset.filter(email__iexact=query)
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["statuses"] = MessageStatus.choices
        context["flows"] = Flow.objects.all()
        context["status"] = self.request.GET.get("status", "")
        context["flow"] = self.request.GET.get("flow", "")
        context["query"] = self.request.GET.get("q", "")[:100]
        return context


class NpsView(ListView):
    template_name = "ecrm/automation/dashboard/nps.html"
    context_object_name = "responses"
    paginate_by = 50

    def get_queryset(self):
        return SurveyResponse.objects.select_related("message", "message__user").order_by(
            "-created_at"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["summary"] = nps_summary()
        return context

"""Dashboard views: the case queue and one case (messages, reply, status, assignment)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from ecrm_oscar.support import services
from ecrm_oscar.support.abstract_models import CaseStatus
from ecrm_oscar.support.forms import ReplyForm, StaffCaseForm
from ecrm_oscar.support.models import SupportCase


class CaseListView(ListView):
    template_name = "ecrm/support/dashboard/case_list.html"
    context_object_name = "cases"
    paginate_by = 30

    def get_queryset(self):
        queryset = SupportCase.objects.select_related("user", "assigned_to", "order")
        status = self.request.GET.get("status", "active")
        if status == "active":
            queryset = queryset.exclude(status=CaseStatus.SOLVED)
        elif status in CaseStatus.values:
            queryset = queryset.filter(status=status)
        if self.request.GET.get("mine"):
            queryset = queryset.filter(assigned_to=self.request.user)
        query = self.request.GET.get("q", "").strip()[:100]
        if query:
            queryset = queryset.filter(
                Q(number__iexact=query)
                | Q(subject__icontains=query)
                | Q(email__iexact=query)
                | Q(user__email__iexact=query)
            )
        return queryset.order_by("-updated_at")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["statuses"] = CaseStatus.choices
        context["status"] = self.request.GET.get("status", "active")
        context["query"] = self.request.GET.get("q", "")[:100]
        context["counts"] = dict(
            SupportCase.objects.values_list("status").annotate(n=Count("id")).order_by()
        )
        return context


class CaseDetailView(View):
    template_name = "ecrm/support/dashboard/case_detail.html"

    def _render(self, request, case, reply_form, case_form):
        return render(
            request,
            self.template_name,
            {
                "case": case,
                "case_messages": case.messages.select_related("author"),
                "reply_form": reply_form,
                "case_form": case_form,
            },
        )

    def _forms(self, case, data=None):
        return (
            ReplyForm(data if data and "reply" in data else None),
            StaffCaseForm(
                data if data and "update" in data else None,
                initial={"status": case.status, "assigned_to": case.assigned_to},
            ),
        )

    def get(self, request, pk):
        case = get_object_or_404(SupportCase.objects.select_related("user", "order"), pk=pk)
        return self._render(request, case, *self._forms(case))

    def post(self, request, pk):
        case = get_object_or_404(SupportCase, pk=pk)
        reply_form, case_form = self._forms(case, request.POST)
        if "reply" in request.POST and reply_form.is_valid():
            services.reply(
                case, author=request.user, body=reply_form.cleaned_data["body"], from_staff=True
            )
            messages.success(request, _("Reply sent to the customer."))
            return redirect("ecrm_support_dashboard:ecrm-support-case-detail", pk=case.pk)
        if "update" in request.POST and case_form.is_valid():
            services.update(
                case,
                status=case_form.cleaned_data["status"],
                assigned_to=case_form.cleaned_data["assigned_to"],
                by=request.user,
            )
            messages.success(request, _("Case updated."))
            return redirect("ecrm_support_dashboard:ecrm-support-case-detail", pk=case.pk)
        return self._render(request, case, reply_form, case_form)

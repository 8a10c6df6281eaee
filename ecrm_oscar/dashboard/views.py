"""Views of the eCRM dashboard (permissions come from ``EcrmDashboardConfig``)."""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import generic
from oscar.core.loading import get_model

from ecrm_oscar.core.tasks import enqueue_on_commit
from ecrm_oscar.customers import history, panels, rules, segments, services, tasks
from ecrm_oscar.customers.models import CustomerProfile, Segment
from ecrm_oscar.customers.rfm import RfmSegment
from ecrm_oscar.dashboard import overview, switches
from ecrm_oscar.dashboard.forms import (
    CustomerSearchForm,
    KpiPeriodForm,
    RuleFormSet,
    SegmentForm,
    SiteSettingsForm,
    TimelineFilterForm,
)
from ecrm_oscar.dashboard.models import SiteSettings
from ecrm_oscar.tracking import event_types

User = get_user_model()

SORT_FIELDS = {
    "-spend": F("ecrm_profile__total_spent").desc(nulls_last=True),
    "spend": F("ecrm_profile__total_spent").asc(nulls_last=True),
    "recency": F("ecrm_profile__last_order_at").desc(nulls_last=True),
    "-recency": F("ecrm_profile__last_order_at").asc(nulls_last=True),
    "-orders": F("ecrm_profile__orders_count").desc(nulls_last=True),
    "-clv": F("ecrm_profile__predicted_clv").desc(nulls_last=True),
    "-joined": F("date_joined").desc(),
}
TIMELINE_PAGE_SIZE = 25
ORDERS_SHOWN = 10


def _profile(customer) -> CustomerProfile | None:
    try:
        return customer.ecrm_profile
    except CustomerProfile.DoesNotExist:
        return None


class CustomerListView(generic.ListView):
    template_name = "ecrm/dashboard/customer_list.html"
    context_object_name = "customers"
    paginate_by = 25

    def get_queryset(self):
        self.form = CustomerSearchForm(self.request.GET or None)
        customers = User.objects.select_related("ecrm_profile")
        data = self.form.cleaned_data if self.form.is_valid() else {}
        query = (data.get("q") or "").strip()
        if query:
            customers = customers.filter(
                Q(email__icontains=query)
                | Q(first_name__icontains=query)
                | Q(last_name__icontains=query)
                | Q(**{f"{User.USERNAME_FIELD}__icontains": query})
            )
        if data.get("segment"):
            customers = customers.filter(ecrm_segment_memberships__segment__slug=data["segment"])
        sort = data.get("sort") or "-spend"
        return customers.order_by(SORT_FIELDS.get(sort, SORT_FIELDS["-spend"]), "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = self.form
        context["query"] = (self.form.cleaned_data.get("q") if self.form.is_valid() else "") or ""
        return context


class CustomerDetailView(generic.DetailView):
    """The 360° view: figures, orders, segments, panels and the paginated timeline.

    A fixed number of queries whatever the history's length: customer with profile (1),
    latest orders (1), segments (1), RFM segment history (1), timeline count and page (2),
    plus Oscar's layout and each registered panel's own.
    """

    template_name = "ecrm/dashboard/customer_detail.html"
    context_object_name = "customer"

    def get_queryset(self):
        return User.objects.select_related("ecrm_profile")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        customer = self.object
        profile = _profile(customer)
        Order = get_model("order", "Order")
        context["profile"] = profile
        context["orders"] = list(
            Order.objects.filter(user=customer).order_by("-date_placed", "-pk")[:ORDERS_SHOWN]
        )
        context["segments"] = list(
            Segment.objects.filter(active=True, memberships__user=customer).order_by("kind", "name")
        )
        context["segment_history"] = history.segment_history(customer)
        form = TimelineFilterForm(self.request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        events = services.timeline(
            customer,
            types=[data["type"]] if data.get("type") else None,
            channels=[data["channel"]] if data.get("channel") else None,
        )
        paginator = Paginator(events, TIMELINE_PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("page"))
        labels = {t.code: t.label for t in event_types.all_types()}
        for event in page.object_list:
            event.label = labels.get(event.type, event.type)
        context.update(
            timeline_form=form,
            paginator=paginator,
            page_obj=page,
            is_paginated=paginator.num_pages > 1,
            events=page.object_list,
            panels=panels.render_panels(self.request, customer, profile),
        )
        if apps.is_installed("ecrm_oscar.privacy"):
            from ecrm_oscar.privacy.services import consent_history

            context["consents"] = consent_history(customer)
            context["privacy_actions"] = True
        return context


class SegmentListView(generic.ListView):
    template_name = "ecrm/dashboard/segment_list.html"
    context_object_name = "segments"

    def get_queryset(self):
        return Segment.objects.prefetch_related("rules").order_by("kind", "name")


class SegmentEditMixin:
    model = Segment
    form_class = SegmentForm
    template_name = "ecrm/dashboard/segment_form.html"

    def get_formset(self):
        if self.object is not None and self.object.is_automatic:
            return None
        return RuleFormSet(
            self.request.POST or None, instance=self.object or Segment(), prefix="rules"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("formset", self.get_formset())
        context["rfm_labels"] = dict(RfmSegment.choices)
        context["rule_inputs"] = {t.code: list(t.inputs) for t in rules.all_types()}
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object() if kwargs.get("pk") else None
        form = self.get_form()
        formset = self.get_formset()
        valid = form.is_valid() and (formset is None or formset.is_valid())
        if not valid:
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        if "preview" in request.POST:
            return self.render_to_response(
                self.get_context_data(
                    form=form, formset=formset, preview=self._preview(form, formset)
                )
            )
        segment = form.save()
        if formset is not None:
            formset.instance = segment
            formset.save()
        enqueue_on_commit(tasks.rebuild_segments, segment.pk)
        messages.success(request, _("Segment “%(name)s” saved.") % {"name": segment.name})
        return HttpResponseRedirect(reverse("ecrm:dashboard:ecrm-segment-list"))

    def _preview(self, form, formset) -> dict:
        segment = form.instance
        if segment.is_automatic:
            users, visitors = segments.evaluate_segment(segment)
        else:
            match = form.cleaned_data.get("match", Segment.Match.ALL)
            conditions = [segments.Rule(kind, params) for kind, params in formset.rules()]
            users, visitors = segments.evaluate(Segment.Kind.RULES, match, conditions)
        return {"customers": len(users), "visitors": len(visitors)}


class SegmentCreateView(SegmentEditMixin, generic.CreateView):
    def get_object(self, queryset=None):
        return None


class SegmentUpdateView(SegmentEditMixin, generic.UpdateView):
    pass


class SegmentDeleteView(generic.DeleteView):
    model = Segment
    template_name = "ecrm/dashboard/segment_confirm_delete.html"
    context_object_name = "segment"

    def get_object(self, queryset=None):
        segment = super().get_object(queryset)
        if segment.is_automatic:
            raise Http404("Automatic RFM segments are deactivated, not deleted.")
        return segment

    def form_valid(self, form):
        name = self.object.name
        response = super().form_valid(form)
        messages.success(self.request, _("Segment “%(name)s” deleted.") % {"name": name})
        return response

    def get_success_url(self):
        return reverse("ecrm:dashboard:ecrm-segment-list")


def customer_detail_url(customer) -> str:
    return reverse("ecrm:dashboard:ecrm-customer-detail", kwargs={"pk": customer.pk})


# -- owner console: switches and settings (docs/console.md) ---------------------------------


class SiteSettingsView(generic.UpdateView):
    """The current site's capability switches and main settings; saving takes effect at
    once (``switches`` clears its caches on save)."""

    template_name = "ecrm/dashboard/settings.html"
    form_class = SiteSettingsForm
    context_object_name = "site_settings"

    def get_object(self, queryset=None):
        from django.contrib.sites.shortcuts import get_current_site

        site = get_current_site(self.request)
        return SiteSettings.objects.filter(site_id=site.pk).first() or SiteSettings(site_id=site.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context["switch_fields"] = [form[f"{name}_enabled"] for name in switches.CAPABILITIES]
        context["setting_fields"] = [
            form[name]
            for name in (
                "tracking_mode",
                "tracking_retention_days",
                "recommendations_include_purchased",
            )
        ]
        return context

    def form_valid(self, form):
        messages.success(self.request, _("The eCRM settings were saved and apply now."))
        return super().form_valid(form)

    def get_success_url(self):
        return reverse("ecrm:dashboard:ecrm-settings")


# -- owner console: KPI overview (docs/console.md) ------------------------------------------


def _kpi_choice(request) -> tuple[KpiPeriodForm, overview.Choice | None]:
    form = KpiPeriodForm(request.GET or None)
    if not request.GET:
        return form, overview.choose_period(None)
    if not form.is_valid():
        return form, None
    return form, overview.choose_period(form.cleaned_data)


class KpiOverviewView(generic.TemplateView):
    """The period's figures against the previous period's, with charts and help texts."""

    template_name = "ecrm/dashboard/kpis.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, choice = _kpi_choice(self.request)
        if choice is None:  # invalid input: say so, and show the default period
            choice = overview.choose_period(None)
            context["period_invalid"] = True
        for note in choice.messages:
            messages.warning(self.request, note)
        context.update(form=form, choice=choice, **overview.overview(choice))
        context["query"] = self.request.GET.urlencode()
        return context


def _bad_period(form) -> HttpResponse:
    errors = [str(e) for e in form.non_field_errors()] + [
        f"{name}: {error}"
        for name, errs in form.errors.items()
        if name != "__all__"
        for error in errs
    ]
    return JsonResponse({"errors": errors}, status=400)


def kpi_json(request):
    """The overview's figures as JSON (for scripts and custom charts)."""
    form, choice = _kpi_choice(request)
    if choice is None:
        return _bad_period(form)
    figures = overview.overview(choice)["all"]
    return JsonResponse(overview.as_json(choice, figures))


def kpi_csv(request):
    """The overview's figures as a CSV download."""
    form, choice = _kpi_choice(request)
    if choice is None:
        return _bad_period(form)
    result = overview.overview(choice)
    response = HttpResponse(
        overview.as_csv(choice, result["all"]), content_type="text/csv; charset=utf-8"
    )
    name = f"ecrm-kpis-{choice.first.isoformat()}-{choice.last.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# -- owner console: privacy (docs/privacy.md) -----------------------------------------------


def _gone(request, pk: int) -> HttpResponse:
    """A clear answer for an account that no longer exists (erased, or never existed)."""
    from ecrm_oscar.privacy.erasure import erasure_of

    erased = erasure_of(pk)
    response = render(
        request,
        "ecrm/dashboard/privacy_gone.html",
        {"erasure": erased, "pk": pk},
        status=410 if erased else 404,
    )
    return response


class CustomerExportView(generic.View):
    """Download everything the shop holds about one customer, as JSON."""

    def get(self, request, pk: int):
        from ecrm_oscar.privacy.erasure import export_customer

        customer = User.objects.filter(pk=pk).first()
        if customer is None:
            return _gone(request, pk)
        data = export_customer(customer)
        response = JsonResponse(data, json_dumps_params={"indent": 2, "default": str})
        response["Content-Disposition"] = f'attachment; filename="customer-{pk}-data.json"'
        response["Cache-Control"] = "no-store"
        return response


class CustomerEraseView(generic.View):
    """Erase one customer: a confirmation page (GET), then the erasure (POST, CSRF)."""

    template_name = "ecrm/dashboard/privacy_erase.html"

    def _customer(self, pk: int):
        return User.objects.filter(pk=pk).first()

    def get(self, request, pk: int):
        customer = self._customer(pk)
        if customer is None:
            return _gone(request, pk)
        return render(request, self.template_name, {"customer": customer})

    def post(self, request, pk: int):
        from ecrm_oscar.privacy.erasure import ErasureRefused, erase_customer

        customer = self._customer(pk)
        if customer is None:
            return _gone(request, pk)
        if (
            request.POST.get("confirm") != customer.email
            and request.POST.get("confirm") != customer.get_username()
        ):
            messages.error(request, _("Type the customer's email address to confirm the erasure."))
            return render(request, self.template_name, {"customer": customer}, status=400)
        try:
            log = erase_customer(customer, performed_by=request.user, source="dashboard")
        except ErasureRefused as refusal:
            messages.error(request, str(refusal))
            return render(request, self.template_name, {"customer": customer}, status=400)
        messages.success(
            request,
            _("The customer was erased: %(n)s rows deleted or anonymised.") % {"n": log.total},
        )
        return HttpResponseRedirect(reverse("ecrm:dashboard:ecrm-erasure-log"))


class ErasureLogView(generic.ListView):
    """Who erased how much, when: the log names no erased person."""

    template_name = "ecrm/dashboard/erasure_log.html"
    context_object_name = "erasures"
    paginate_by = 50

    def get_queryset(self):
        from ecrm_oscar.privacy.models import ErasureLog

        return ErasureLog.objects.select_related("performed_by")

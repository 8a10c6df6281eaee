"""The owner's loyalty pages: overview and liability, rules, tiers, accounts with manual
adjustments, the ledger as CSV, and personal coupon campaigns. Staff only (Oscar's
dashboard permissions, ``LoyaltyDashboardConfig.default_permissions``)."""

from __future__ import annotations

import csv
import secrets
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views import generic

from ecrm_oscar.core.tasks import enqueue_on_commit
from ecrm_oscar.loyalty import coupons, emails, facade, services, tasks
from ecrm_oscar.loyalty.dashboard import forms
from ecrm_oscar.loyalty.exceptions import LoyaltyError
from ecrm_oscar.loyalty.models import (
    CouponCampaign,
    Kind,
    LedgerEntry,
    LoyaltyAccount,
    ProgramSettings,
    Tier,
)
from ecrm_oscar.loyalty.rules import money_for_points

NS = "ecrm:loyalty-dashboard:"


def liability() -> dict:
    """What the programme owes, in points and in currency (at today's point value)."""
    settings = services.program()
    totals = LoyaltyAccount.objects.aggregate(
        balance=Sum("balance"), pending=Sum("pending"), reserved=Sum("reserved")
    )
    balance, pending, reserved = (totals[k] or 0 for k in ("balance", "pending", "reserved"))
    return {
        "balance": balance,
        "pending": pending,
        "reserved": reserved,
        "outstanding": balance + reserved,
        "outstanding_value": money_for_points(balance + reserved, settings.point_value),
        "pending_value": money_for_points(pending, settings.point_value),
        "point_value": settings.point_value,
    }


class IndexView(generic.TemplateView):
    template_name = "ecrm/loyalty/dashboard/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        since = timezone.now() - timedelta(days=30)
        recent = LedgerEntry.objects.filter(created_at__gte=since)
        flows = dict(
            recent.values_list("kind").annotate(
                total=Sum("points") + Sum("pending") + Sum("reserved")
            )
        )
        context.update(
            liability=liability(),
            members=LoyaltyAccount.objects.exclude(user=None).count(),
            tiers=Tier.objects.annotate(members=Count("accounts")),
            no_tier=LoyaltyAccount.objects.filter(tier=None).exclude(user=None).count(),
            earned_30=flows.get(Kind.EARN_PENDING, 0),
            redeemed_30=-(flows.get(Kind.REDEEM, 0)),
            expired_30=-(flows.get(Kind.EXPIRE, 0)),
            settings=services.program(),
        )
        return context


class SettingsView(generic.UpdateView):
    template_name = "ecrm/loyalty/dashboard/settings.html"
    form_class = forms.SettingsForm
    success_url = reverse_lazy(NS + "loyalty-settings")

    def get_object(self, queryset=None):
        return ProgramSettings.objects.filter(pk=1).first() or ProgramSettings(pk=1)

    def get(self, request, *args, **kwargs):
        emails.ensure_event_types()  # so the owner finds the loyalty emails to edit
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        messages.success(self.request, _("The loyalty rules were saved."))
        return super().form_valid(form)


class TierListView(generic.ListView):
    template_name = "ecrm/loyalty/dashboard/tier_list.html"
    context_object_name = "tiers"

    def get_queryset(self):
        return Tier.objects.annotate(members=Count("accounts"))

    def get_context_data(self, **kwargs):
        return super().get_context_data(settings=services.program(), **kwargs)


class TierCreateView(generic.CreateView):
    model = Tier
    form_class = forms.TierForm
    template_name = "ecrm/loyalty/dashboard/tier_form.html"
    success_url = reverse_lazy(NS + "loyalty-tier-list")

    def form_valid(self, form):
        messages.success(
            self.request, _("Tier saved. Accounts move into it at the next tier review.")
        )
        return super().form_valid(form)


class TierUpdateView(TierCreateView, generic.UpdateView):
    pass


class TierDeleteView(generic.DeleteView):
    model = Tier
    template_name = "ecrm/loyalty/dashboard/tier_delete.html"
    success_url = reverse_lazy(NS + "loyalty-tier-list")


class AccountListView(generic.ListView):
    template_name = "ecrm/loyalty/dashboard/account_list.html"
    context_object_name = "accounts"
    paginate_by = 50

    def get_queryset(self):
        self.form = forms.AccountSearchForm(self.request.GET)
        accounts = LoyaltyAccount.objects.select_related("user", "tier").order_by("-balance", "pk")
        if self.form.is_valid() and self.form.cleaned_data["q"]:
            q = self.form.cleaned_data["q"]
            User = get_user_model()
            accounts = accounts.filter(
                Q(**{f"user__{User.get_email_field_name()}__icontains": q})
                | Q(**{f"user__{User.USERNAME_FIELD}__icontains": q})
            )
        return accounts

    def get_context_data(self, **kwargs):
        return super().get_context_data(form=self.form, **kwargs)


class AccountDetailView(generic.DetailView):
    """One account: its summary and ledger, and the manual adjustment form."""

    template_name = "ecrm/loyalty/dashboard/account_detail.html"
    context_object_name = "account"
    queryset = LoyaltyAccount.objects.select_related("user", "tier")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        account = self.object
        entries = account.entries.select_related("order", "actor").order_by("-created_at", "-id")
        context.update(
            entries=entries[:200],
            entry_count=account.entries.count(),
            adjust_form=kwargs.get("adjust_form")
            or forms.AdjustmentForm(initial={"nonce": secrets.token_urlsafe(12)}),
            summary=services.summary(account.user) if account.user else None,
        )
        return context

    def post(self, request, *args, **kwargs):
        self.object = account = self.get_object()
        form = forms.AdjustmentForm(request.POST)
        if account.user_id is None:
            messages.error(request, _("This customer was erased; their account is closed."))
        elif form.is_valid():
            data = form.cleaned_data
            try:
                result = facade.adjust(
                    account.user_id,
                    data["points"],
                    key=f"dashboard:adjust:{account.pk}:{data['nonce']}",
                    reason=data["reason"],
                    actor=request.user,
                )
            except LoyaltyError as error:
                form.add_error("points", str(error))
            else:
                if result.created:
                    messages.success(
                        request,
                        _("%(points)+d points: %(reason)s")
                        % {"points": data["points"], "reason": data["reason"]},
                    )
                else:
                    messages.info(request, _("This adjustment was already made."))
                return HttpResponseRedirect(
                    reverse(NS + "loyalty-account-detail", args=[account.pk])
                )
        return self.render_to_response(self.get_context_data(adjust_form=form))


class Echo:
    def write(self, value):
        return value


class LedgerExportView(generic.View):
    """The whole ledger (or one account's, or a date range) as CSV, streamed."""

    columns = [
        "id", "created_at", "account", "customer", "kind", "points", "pending", "reserved",
        "change", "ref", "order_number", "line", "reason", "actor", "idempotency_key",
    ]  # fmt: skip

    def get(self, request, *args, **kwargs):
        entries = LedgerEntry.objects.select_related("account__user", "actor").order_by("id")
        if request.GET.get("account", "").isdigit():
            entries = entries.filter(account_id=int(request.GET["account"]))
        since = parse_date(request.GET.get("since", "") or "")
        until = parse_date(request.GET.get("until", "") or "")
        if since:
            entries = entries.filter(created_at__date__gte=since)
        if until:
            entries = entries.filter(created_at__date__lte=until)
        writer = csv.writer(Echo())

        def rows():
            yield writer.writerow(self.columns)
            for entry in entries.iterator(chunk_size=2000):
                user = entry.account.user
                yield writer.writerow([
                    entry.pk, entry.created_at.isoformat(), entry.account_id,
                    user.email if user else "", entry.kind, entry.points, entry.pending,
                    entry.reserved, entry.change, entry.ref, entry.order_number,
                    entry.line_id or "", entry.reason,
                    entry.actor.email if entry.actor else "", entry.idempotency_key,
                ])  # fmt: skip

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="loyalty-ledger-{stamp}.csv"'
        return response


class CampaignListView(generic.ListView):
    template_name = "ecrm/loyalty/dashboard/campaign_list.html"
    context_object_name = "campaigns"

    def get_queryset(self):
        return CouponCampaign.objects.annotate(
            issued=Count("coupons"),
            used=Count("coupons", filter=Q(coupons__voucher__num_orders__gt=0)),
        )


class CampaignCreateView(generic.CreateView):
    model = CouponCampaign
    form_class = forms.CampaignForm
    template_name = "ecrm/loyalty/dashboard/campaign_form.html"

    def form_valid(self, form):
        form.instance.created_by = self.request.user
        response = super().form_valid(form)
        coupons.ensure_offer(self.object)
        messages.success(self.request, _("Campaign created. Issue its coupons when ready."))
        return response

    def get_success_url(self):
        return reverse(NS + "loyalty-campaign-detail", args=[self.object.pk])


class CampaignDetailView(generic.DetailView):
    """A campaign, its coupons, and the button that issues them (in the background)."""

    model = CouponCampaign
    template_name = "ecrm/loyalty/dashboard/campaign_detail.html"
    context_object_name = "campaign"

    def get_context_data(self, **kwargs):
        campaign = self.object
        return super().get_context_data(
            coupons=campaign.coupons.select_related("user", "voucher")[:200],
            issued=campaign.coupons.count(),
            target_label=coupons.target_label(campaign.target),
            waiting=coupons.target_users(campaign.target)
            .exclude(pk__in=campaign.coupons.values("user_id"))
            .count(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        campaign = get_object_or_404(CouponCampaign, pk=kwargs["pk"])
        enqueue_on_commit(tasks.issue_coupons, campaign.pk)
        messages.success(
            request, _("Coupons are being issued and emailed to the campaign's customers.")
        )
        return HttpResponseRedirect(reverse(NS + "loyalty-campaign-detail", args=[campaign.pk]))

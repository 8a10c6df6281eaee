"""Storefront endpoints of the loyalty programme (under /ecrm/loyalty/).

The personal pieces that appear on cacheable pages (the header badge, the Wagtail block)
are HTML fragments fetched by ``ecrm/loyalty/fragments.js``; they are never cached
(``never_cache``: private, no-store), so the pages around them stay cacheable for all.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from oscar.templatetags.currency_filters import currency

from ecrm_oscar.dashboard.switches import capability_on
from ecrm_oscar.loyalty import coupons, facade, redemption, services
from ecrm_oscar.loyalty.exceptions import LoyaltyError
from ecrm_oscar.loyalty.forms import BirthdayForm, RedeemForm
from ecrm_oscar.loyalty.models import LoyaltyAccount
from ecrm_oscar.loyalty.receivers import REFERRAL_SESSION_KEY

HISTORY_PAGE_SIZE = 25


def _fragment(template: str, context: dict) -> HttpResponse:
    """A fragment rendered without the request's context processors (Oscar's would count
    notifications and build the basket on every header load)."""
    return HttpResponse(render_to_string(template, context))


@never_cache
@require_GET
def badge(request: HttpRequest) -> HttpResponse:
    """The header's balance and tier (empty for anonymous visitors): one query."""
    if not request.user.is_authenticated or not capability_on("loyalty", request):
        return HttpResponse("")
    account = LoyaltyAccount.objects.filter(user=request.user).select_related(
        "tier"
    ).first() or LoyaltyAccount(balance=0)
    return _fragment("ecrm/loyalty/fragments/badge.html", {"account": account})


@never_cache
@require_GET
def widget(request: HttpRequest) -> HttpResponse:
    """The balance card of the Wagtail block: personal for customers, a pitch for others."""
    if not capability_on("loyalty", request):
        return HttpResponse("")
    context = {
        "how_to_earn": request.GET.get("how") == "1",
        "ways": services.ways_to_earn(),
        "settings": services.program(),
    }
    if request.user.is_authenticated:
        context["summary"] = services.summary(request.user)
    return _fragment("ecrm/loyalty/fragments/widget.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    """The shopper's loyalty page in Oscar's account area: balance, tier and progress,
    pending and expiring points, the full history, how to earn, referral link, birthday."""
    if not capability_on("loyalty", request):
        raise Http404("The loyalty programme is switched off.")
    if request.method == "POST":
        form = BirthdayForm(request.POST)
        if form.is_valid():
            facade.set_birthday(request.user, form.cleaned_data["birthday"])
            messages.success(request, _("Your birthday was saved."))
            return HttpResponseRedirect(reverse("ecrm:loyalty-account"))
    else:
        form = None
    summary = services.summary(request.user)
    form = form or BirthdayForm(initial={"birthday": summary.birthday})
    page = Paginator(services.history(request.user), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    referral_url = (
        request.build_absolute_uri(reverse("ecrm:loyalty-referral", args=[summary.referral_code]))
        if summary.referral_code and summary.settings.referral_points
        else ""
    )
    return render(
        request,
        "ecrm/loyalty/account.html",
        {
            "page_title": _("Loyalty points"),
            "active_tab": "loyalty",
            "summary": summary,
            "page_obj": page,
            "entries": page.object_list,
            "paginator": page.paginator,
            "ways": services.ways_to_earn(summary.settings),
            "referral_url": referral_url,
            "birthday_form": form,
            "coupons": coupons.coupons_for(request.user),
        },
    )


@never_cache
@require_GET
def referral_link(request: HttpRequest, code: str) -> HttpResponseRedirect:
    """A shopper's referral link: remember the code for registration, go to sign-up.

    The code is checked when the account is created (``services.record_referral``);
    a bad code simply earns nothing.
    """
    request.session[REFERRAL_SESSION_KEY] = code[:16]
    return HttpResponseRedirect(reverse("customer:register"))


@never_cache
@require_POST
def redeem(request: HttpRequest) -> HttpResponseRedirect:
    """The checkout's "pay with points" form: apply (reserve) or remove points.

    Refusals (bad numbers, more than held, off-step, over the share, a tampered basket or
    account, a double submit) show their message and change nothing.
    """
    form = RedeemForm(request.POST)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = ""
    target = target or reverse("checkout:payment-details")
    if not capability_on("loyalty", request):
        messages.error(request, _("The loyalty programme is paused."))
        return HttpResponseRedirect(target)
    if not request.user.is_authenticated:
        messages.error(request, _("Sign in to use your points."))
        return HttpResponseRedirect(target)
    if not form.is_valid():
        messages.error(request, _("Please choose how many points to use."))
        return HttpResponseRedirect(target)
    data = form.cleaned_data
    try:
        if data["action"] == "remove":
            if redemption.remove_points(request, data):
                messages.info(request, _("Your points were put back in your account."))
        else:
            reservation = redemption.apply_points(request, data)
            messages.success(
                request,
                _("%(points)s points (%(amount)s) will be taken off your order.")
                % {"points": f"{reservation.points:,}", "amount": currency(reservation.amount)},
            )
    except LoyaltyError as error:
        messages.error(request, str(error))
    return HttpResponseRedirect(target)

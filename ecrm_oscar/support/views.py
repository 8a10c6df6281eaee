"""Shopper views: their cases in their account (list, detail, reply, new)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ecrm_oscar.support import services
from ecrm_oscar.support.forms import NewCaseForm, ReplyForm


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    cases = services.cases_for(request.user)
    return render(request, "ecrm/support/case_list.html", {"cases": cases})


@login_required
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    # another shopper's case (or a made-up number) is simply not there: 404
    case = services.cases_for(request.user).filter(number=number).first()
    if case is None:
        raise Http404(_("No such support case."))
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.reply(case, author=request.user, body=form.cleaned_data["body"], from_staff=False)
        messages.success(request, _("Your reply was sent."))
        return redirect("ecrm:support-detail", number=case.number)
    return render(
        request,
        "ecrm/support/case_detail.html",
        {"case": case, "case_messages": case.messages.select_related("author"), "form": form},
    )


def case_new(request: HttpRequest) -> HttpResponse:
    """Open a case (logged in: linked to the account and optionally an order)."""
    initial = {"subject": request.GET.get("subject", "")[:200]}
    form = NewCaseForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.check_rate(request, request.user)
        except services.RateLimited:
            form.add_error(None, _("You have opened many cases recently. Please try later."))
        else:
            case = services.open_case(
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                user=request.user,
                email=form.cleaned_data.get("email", ""),
                order=form.cleaned_data.get("order"),
                request=request,
            )
            messages.success(
                request, _("Thank you: case %(number)s is open.") % {"number": case.number}
            )
            if request.user.is_authenticated:
                return redirect("ecrm:support-detail", number=case.number)
            return redirect("ecrm:support-new")
    return render(request, "ecrm/support/case_new.html", {"form": form})

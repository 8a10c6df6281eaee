"""Views of the help center that are not page renders: the vote (more follow)."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from ecrm_wagtail.helpcenter import feedback as feedback_service
from ecrm_wagtail.helpcenter.models import FeedbackReason

ONE_YEAR = 365 * 24 * 3600


class FeedbackForm(forms.Form):
    helpful = forms.ChoiceField(choices=[("yes", "yes"), ("no", "no")])
    reason = forms.ChoiceField(choices=[("", ""), *FeedbackReason.choices], required=False)
    comment = forms.CharField(required=False, max_length=1000)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def feedback(request: HttpRequest, article) -> HttpResponse:
    """POST a vote on ``article``: JSON for scripts, a redirect back for plain forms."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"ok": False, "errors": form.errors.get_json_data()}, status=400)
    voter = feedback_service.voter_for(request)
    try:
        vote = feedback_service.vote(
            request,
            article,
            helpful=form.cleaned_data["helpful"] == "yes",
            reason=form.cleaned_data["reason"],
            comment=form.cleaned_data["comment"],
            voter=voter,
        )
    except feedback_service.VoteRefused:
        return JsonResponse(
            {"ok": False, "error": _("Too many votes from your network. Please try later.")},
            status=429,
        )
    if _wants_json(request):
        response: HttpResponse = JsonResponse(
            {"ok": True, "helpful": vote.helpful, "message": _("Thank you for your feedback.")}
        )
    else:
        response = redirect(article.url + "#ecrm-feedback")
    if voter.new_cookie:
        response.set_signed_cookie(
            feedback_service.VOTER_COOKIE,
            voter.new_cookie,
            salt="ecrm.help.voter",
            max_age=ONE_YEAR,
            httponly=True,
            samesite="Lax",
        )
    return response

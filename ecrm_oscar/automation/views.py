"""The shopper's side of automation emails: signed links, no login needed.

Opens (pixel), clicks (redirect, same host or allowed hosts only), one-click unsubscribe
(link and RFC 8058 List-Unsubscribe-Post), preferences (in the account or by signed link),
the NPS survey and the link back to the basket. A bad token never reveals anything and
never redirects elsewhere.
"""

from __future__ import annotations

import base64

from django import forms
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from oscar.core.loading import get_class, get_model

from ecrm_oscar.automation import services, tokens
from ecrm_oscar.automation.models import Message, SurveyResponse
from ecrm_oscar.privacy.services import has_consent, record_consent

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _message(kind: str, token: str) -> tuple[Message | None, dict, str]:
    """(message, payload, problem) of a token; problem is "expired" or "invalid"."""
    try:
        payload = tokens.read(kind, token)
    except tokens.ExpiredToken:
        return None, {}, "expired"
    except tokens.InvalidToken:
        return None, {}, "invalid"
    message = (
        Message.objects.select_related("user", "flow").filter(pk=payload.get("m")).first()
        if isinstance(payload.get("m"), int)
        else None
    )
    return message, payload, "" if message is not None else "invalid"


def _bad_link(request: HttpRequest, problem: str) -> HttpResponse:
    return render(request, "ecrm/automation/bad_link.html", {"problem": problem}, status=400)


def _record_event(message: Message, event_type: str, request: HttpRequest) -> None:
    """Opens and clicks join the shopper's timeline when tracking is installed."""
    from django.apps import apps

    if not apps.is_installed("ecrm_oscar.tracking") or message.user_id is None:
        return
    from ecrm_oscar.tracking import capture

    capture.record(
        event_type,
        user=message.user,
        payload={"flow": message.flow.kind, "message": message.pk},
    )


@never_cache
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    message, _payload, problem = _message("open", token)
    if message is not None and services.mark_opened(message.pk):
        _record_event(message, "email_opened", request)
    return HttpResponse(PIXEL, content_type="image/gif")


@never_cache
def click(request: HttpRequest, token: str) -> HttpResponse:
    message, payload, problem = _message("click", token)
    if problem:
        return _bad_link(request, problem)
    target = payload.get("u")
    if not tokens.safe_target(target, request.get_host()):
        return _bad_link(request, "invalid")
    if services.mark_clicked(message.pk):
        _record_event(message, "email_clicked", request)
    return HttpResponseRedirect(target)


def _person(message: Message):
    return message.user, message.email or getattr(message.user, "email", "")


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" with no cookie
@never_cache
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One click (the email's link, or the mail client's List-Unsubscribe-Post) and the
    shopper gets no more marketing email; the page offers to subscribe again."""
    message, _payload, problem = _message("unsubscribe", token)
    if problem:
        return _bad_link(request, problem)
    user, email = _person(message)
    if request.method == "POST" and request.POST.get("resubscribe"):
        record_consent(services.PURPOSE, True, source="preferences", user=user, email=email)
        return render(
            request, "ecrm/automation/unsubscribed.html", {"resubscribed": True, "token": token}
        )
    if request.method in ("GET", "POST"):
        if has_consent(services.PURPOSE, user=user, email=email):
            record_consent(services.PURPOSE, False, source="unsubscribe", user=user, email=email)
        return render(
            request,
            "ecrm/automation/unsubscribed.html",
            {
                "token": token,
                "email": email,
                "preferences_token": tokens.make("preferences", m=message.pk),
            },
        )
    return HttpResponse(status=405)


class PreferencesForm(forms.Form):
    marketing_email = forms.BooleanField(
        label=gettext_lazy("Send me offers, reminders and news by email"), required=False
    )


def _preferences(request: HttpRequest, user, email: str, template_extra: dict) -> HttpResponse:
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            record_consent(
                services.PURPOSE,
                form.cleaned_data["marketing_email"],
                source="preferences",
                user=user,
                email=email,
            )
            flash.success(request, _("Your email preferences were saved."))
            return HttpResponseRedirect(request.path)
    else:
        form = PreferencesForm(
            initial={"marketing_email": has_consent(services.PURPOSE, user=user, email=email)}
        )
    template = (
        "ecrm/automation/account_preferences.html"
        if template_extra.get("in_account")
        else "ecrm/automation/preferences.html"
    )
    return render(
        request,
        template,
        {"form": form, "email": email, "page_title": _("Email preferences"), **template_extra},
    )


@login_required
@never_cache
def preferences(request: HttpRequest) -> HttpResponse:
    """The logged-in shopper's email preferences (linked from their account)."""
    return _preferences(request, request.user, request.user.email, {"in_account": True})


@never_cache
def preferences_token(request: HttpRequest, token: str) -> HttpResponse:
    """The same page by the signed link in every email (for shoppers without an account)."""
    message, _payload, problem = _message("preferences", token)
    if problem:
        return _bad_link(request, problem)
    user, email = _person(message)
    return _preferences(request, user, email, {"in_account": False})


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Anything you would like to tell us?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
    )


@never_cache
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """One click on a score in the email records it; the page asks for a comment."""
    message, payload, problem = _message("survey", token)
    score = payload.get("s")
    if problem or not isinstance(score, int) or not 0 <= score <= 10:
        return _bad_link(request, problem or "invalid")
    if request.method == "GET" and services.mark_clicked(message.pk):
        # A score is a link in the email: its first click counts for the flow's results.
        _record_event(message, "email_clicked", request)
    response, _created = SurveyResponse.objects.get_or_create(
        message=message, defaults={"score": score}
    )
    if response.score != score and request.method == "GET":
        response.score = score  # a second click on another score: the newest wins
        response.save(update_fields=["score", "updated_at"])
    form = CommentForm(request.POST or None, initial={"comment": response.comment})
    thanked = False
    if request.method == "POST" and form.is_valid():
        response.comment = form.cleaned_data["comment"]
        response.save(update_fields=["comment", "updated_at"])
        thanked = True
    return render(
        request,
        "ecrm/automation/survey.html",
        {"response": response, "form": form, "thanked": thanked},
    )


@never_cache
def restore_basket(request: HttpRequest, token: str) -> HttpResponse:
    """The email's "back to your basket": the owner's basket is theirs already; anyone
    else clicking (logged out, another device) gets its products put into their basket."""
    message, payload, problem = _message("basket", token)
    if problem:
        return _bad_link(request, problem)
    Basket = get_model("basket", "Basket")
    basket = Basket.objects.filter(pk=payload.get("b"), status=Basket.OPEN).first()
    target = reverse("basket:summary")
    if basket is None:
        flash.info(request, _("That basket is no longer available."))
        return redirect(target)
    if request.user.is_authenticated and request.user.pk == basket.owner_id:
        return redirect(target)
    current = getattr(request, "basket", None)
    if current is None:
        return redirect(target)
    Selector = get_class("partner.strategy", "Selector")
    strategy = Selector().strategy(request=request, user=request.user)
    if current.pk is None:
        current.save()
    added = 0
    for line in basket.lines.select_related("product"):
        product = line.product
        if product is None or not product.is_public:
            continue
        if not strategy.fetch_for_product(product).availability.is_available_to_buy:
            continue
        if current.lines.filter(product=product).exists():
            continue
        current.strategy = strategy
        current.add_product(product, line.quantity)
        added += 1
    if added:
        flash.success(request, _("Your basket is back."))
    return redirect(target)

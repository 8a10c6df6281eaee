"""Views of the help center that are not page renders: the vote (more follow)."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from ecrm_oscar.dashboard.switches import capability_on
from ecrm_wagtail.helpcenter import feedback as feedback_service
from ecrm_wagtail.helpcenter.models import FeedbackReason

ONE_YEAR = 365 * 24 * 3600


class SafeJsonResponse(JsonResponse):
    """JSON with <, > and & as unicode escapes: user text can never form markup, even if
    the response were ever shown as HTML."""

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.content = (
            self.content.replace(b"<", b"\\u003c")
            .replace(b">", b"\\u003e")
            .replace(b"&", b"\\u0026")
        )


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


# -- assistant, contact suggestions and the contact form -------------------------------------

SEEN_SESSION_KEY = "ecrm_help_seen"
HELP_SESSION_KEY = "ecrm_help_session"
ASK_LIMIT_PER_MINUTE = 30


def remember_seen(request: HttpRequest, article) -> None:
    """Keep the last 10 articles a visitor read (attached to a support case they open)."""
    session = getattr(request, "session", None)
    if session is None:
        return
    seen = [i for i in session.get(SEEN_SESSION_KEY, []) if i != article.pk]
    session[SEEN_SESSION_KEY] = [*seen, article.pk][-10:]


def _visitor_key(request: HttpRequest) -> str:
    visitor = getattr(request, "ecrm_visitor_id", "")
    if visitor:
        return visitor[:64]
    session = request.session
    if not session.session_key:
        session.save()
    return session.session_key


def _help_session(request: HttpRequest, language: str):
    from ecrm_wagtail.helpcenter.models import HelpContactSession

    pk = request.session.get(HELP_SESSION_KEY)
    help_session = HelpContactSession.objects.filter(pk=pk).first() if pk else None
    if help_session is None or help_session.case_number:
        help_session = HelpContactSession.objects.create(
            key=_visitor_key(request), language=language
        )
        request.session[HELP_SESSION_KEY] = help_session.pk
    return help_session


def _current_minute() -> int:
    """The rate limit's window: one per clock minute."""
    import time

    return int(time.time() // 60)


def _limited(request: HttpRequest, bucket: str) -> bool:
    """True when this visitor asked more than ASK_LIMIT_PER_MINUTE times this minute."""
    import hashlib

    who = request.META.get("REMOTE_ADDR", "")
    digest = hashlib.sha256(who.encode()).hexdigest()[:16]
    key = f"ecrm:help:rate:{bucket}:{digest}:{_current_minute()}"
    from django.core.cache import cache

    cache.add(key, 0, 70)
    try:
        count = cache.incr(key)
    except ValueError:
        count = 1
    return count > ASK_LIMIT_PER_MINUTE


def assistant(request: HttpRequest, root) -> HttpResponse:
    """GET ?q=: the assistant's answers, as JSON (script) or a page (no script)."""
    from django.template.response import TemplateResponse

    from ecrm_wagtail.helpcenter import assistant as assistant_service
    from ecrm_wagtail.helpcenter import search

    if not capability_on("help_assistant", request):
        raise Http404("The help assistant is switched off.")
    if _limited(request, "ask"):
        return JsonResponse({"error": _("Too many questions. Please wait a minute.")}, status=429)
    reply = assistant_service.ask(request.GET.get("q", ""), root=root, request=request)
    language = root.locale.language_code
    if reply.question:
        search.log_search(
            reply.question,
            language=language,
            results=len(reply.answers),
            source="assistant",
            request=request,
        )
        help_session = _help_session(request, language)
        help_session.questions += 1
        help_session.last_question = reply.question[:200]
        help_session.save(update_fields=["questions", "last_question", "updated_at"])
    data = reply.as_dict()
    data["contact_url"] = contact_url(root, reply.question)
    if _wants_json(request) or request.GET.get("format") == "json":
        return SafeJsonResponse(data)
    return TemplateResponse(
        request,
        "ecrm/helpcenter/assistant_page.html",
        {"page": root, "self": root, "reply": reply, "help_root": root, **data},
    )


def contact_url(root, question: str = "") -> str:
    from urllib.parse import urlencode

    if not support_installed():
        return ""
    return root.url + "contact/" + ("?" + urlencode({"q": question}) if question else "")


def support_installed() -> bool:
    from django.apps import apps

    return apps.is_installed("ecrm_oscar.support")


def suggest(request: HttpRequest, root) -> HttpResponse:
    """GET ?q=: articles matching what the shopper is typing in the contact form."""
    from ecrm_wagtail.helpcenter import search

    if _limited(request, "suggest"):
        return JsonResponse({"error": _("Too many requests.")}, status=429)
    results = search.search_articles(request.GET.get("q", ""), root=root, request=request, limit=5)
    if results.query and len(results.query) >= 3:
        help_session = _help_session(request, root.locale.language_code)
        help_session.suggestions += 1
        help_session.save(update_fields=["suggestions", "updated_at"])
    return SafeJsonResponse(
        {
            "suggestions": [
                {"title": hit.page.title, "url": hit.page.url, "snippet_html": str(hit.snippet)}
                for hit in results.hits
            ]
        }
    )


def contact(request: HttpRequest, root) -> HttpResponse:
    """The contact form of the help center: opens a support case with the question and
    the articles the visitor read attached."""
    from django.contrib import messages
    from django.http import Http404
    from django.template.response import TemplateResponse

    if not support_installed():
        raise Http404
    from ecrm_oscar.support import services as support
    from ecrm_oscar.support.forms import NewCaseForm

    question = request.GET.get("q", "")[:200]
    form = NewCaseForm(
        request.POST or None,
        user=request.user,
        initial={"subject": question, "body": question},
    )
    if request.method == "POST" and form.is_valid():
        try:
            support.check_rate(request, request.user)
        except support.RateLimited:
            form.add_error(None, _("You have opened many cases recently. Please try later."))
        else:
            help_session = _help_session(request, root.locale.language_code)
            case = support.open_case(
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                user=request.user,
                email=form.cleaned_data.get("email", ""),
                order=form.cleaned_data.get("order"),
                request=request,
                context={
                    "question": question or help_session.last_question,
                    "articles": list(request.session.get(SEEN_SESSION_KEY, [])),
                    "help_session": help_session.pk,
                },
            )
            help_session.case_number = case.number
            help_session.save(update_fields=["case_number", "updated_at"])
            request.session.pop(HELP_SESSION_KEY, None)
            messages.success(
                request,
                _("Thank you: case %(number)s is open. We will answer by email.")
                % {"number": case.number},
            )
            if request.user.is_authenticated:
                return redirect("ecrm:support-detail", number=case.number)
            return redirect(root.url)
    from ecrm_wagtail.helpcenter.models import HelpArticlePage

    seen_ids = request.session.get(SEEN_SESSION_KEY, [])
    seen = {p.pk: p for p in HelpArticlePage.objects.live().filter(pk__in=seen_ids)}
    return TemplateResponse(
        request,
        "ecrm/helpcenter/contact.html",
        {
            "page": root,
            "self": root,
            "help_root": root,
            "form": form,
            "seen_articles": [seen[i] for i in seen_ids if i in seen],
            "suggest_url": root.url + "suggest/",
        },
    )

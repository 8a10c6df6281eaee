"""The shopper's privacy page in Oscar's account area, and "download my data"."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ecrm_oscar.privacy.erasure import export_customer
from ecrm_oscar.privacy.purposes import all_purposes
from ecrm_oscar.privacy.services import consent_history, current_consents


@never_cache
@login_required
@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    """What the shop keeps about the shopper, their consents, and the download button."""
    answers = current_consents(request.user)
    purposes = all_purposes()
    labels = {purpose.key: purpose.label for purpose in purposes}
    history = consent_history(request.user)
    for record in history:
        # the purpose's (translated) label, not its key; a purpose no longer registered
        # keeps its key
        record.purpose_label = labels.get(record.purpose, record.purpose)
    return render(
        request,
        "ecrm/privacy/account.html",
        {
            "page_title": _("Your data"),
            "active_tab": "privacy",
            "purposes": [(p, answers.get(p.key)) for p in purposes],
            "history": history,
        },
    )


@never_cache
@login_required
@require_GET
def download(request: HttpRequest) -> JsonResponse:
    """Everything the shop holds about the signed-in shopper, as a JSON file."""
    response = JsonResponse(
        export_customer(request.user), json_dumps_params={"indent": 2, "default": str}
    )
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return response

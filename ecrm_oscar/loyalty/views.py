"""Storefront endpoints of the loyalty programme (under /ecrm/loyalty/)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ecrm_oscar.loyalty.receivers import REFERRAL_SESSION_KEY


@never_cache
@require_GET
def referral_link(request: HttpRequest, code: str) -> HttpResponseRedirect:
    """A shopper's referral link: remember the code for registration, go to sign-up.

    The code is checked when the account is created (``services.record_referral``);
    a bad code simply earns nothing.
    """
    request.session[REFERRAL_SESSION_KEY] = code[:16]
    return HttpResponseRedirect(reverse("customer:register"))

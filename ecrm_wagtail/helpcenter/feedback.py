""" "Was this helpful?": one vote per visitor and article, with ballot-stuffing limits.

Who is a visitor: a logged-in shopper is their account; otherwise the tracking
middleware's visitor id (``request.ecrm_visitor_id``) when ``ecrm_oscar.tracking`` sets it,
else the help center's own random cookie (``ecrm_help_voter``). Voting again changes the
visitor's vote instead of adding one. Clearing cookies to vote again is capped by a limit
per network address (``ECRM_HELP_VOTES_PER_IP`` votes per article per 24 hours), kept as
a salted hash, never the address itself.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from ecrm_oscar import conf
from ecrm_wagtail.helpcenter.models import FeedbackReason, HelpFeedback

VOTER_COOKIE = "ecrm_help_voter"


class VoteRefused(Exception):
    """Too many votes from one network address."""


@dataclass
class Voter:
    key: str
    new_cookie: str = ""  # set this cookie on the response


def voter_for(request: HttpRequest) -> Voter:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Voter(f"user:{user.pk}")
    visitor = getattr(request, "ecrm_visitor_id", "")
    if visitor:
        return Voter(f"visitor:{visitor}"[:64])
    cookie = request.get_signed_cookie(VOTER_COOKIE, default="", salt="ecrm.help.voter")
    if cookie:
        return Voter(f"cookie:{cookie}")
    value = uuid.uuid4().hex
    return Voter(f"cookie:{value}", new_cookie=value)


def address_hash(request: HttpRequest) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    return hashlib.sha256(f"{settings.SECRET_KEY}:ecrm-help:{address}".encode()).hexdigest()


def vote(
    request: HttpRequest,
    article,
    *,
    helpful: bool,
    reason: str = "",
    comment: str = "",
    voter: Voter | None = None,
) -> HelpFeedback:
    """Record (or change) the visitor's vote on ``article``; raises VoteRefused."""
    voter = voter or voter_for(request)
    if reason not in FeedbackReason.values:
        reason = ""
    fields = {
        "helpful": helpful,
        "reason": "" if helpful else reason,
        "comment": "" if helpful else comment.strip()[:1000],
    }
    existing = HelpFeedback.objects.filter(article=article, voter=voter.key).first()
    if existing is not None:
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.save()
        return existing
    address = address_hash(request)
    since = timezone.now() - timedelta(hours=24)
    recent = HelpFeedback.objects.filter(
        article=article, address=address, created_at__gte=since
    ).count()
    if recent >= conf.get("ECRM_HELP_VOTES_PER_IP"):
        raise VoteRefused
    user = getattr(request, "user", None)
    try:
        with transaction.atomic():
            return HelpFeedback.objects.create(
                article=article,
                voter=voter.key,
                address=address,
                user=user if user is not None and user.is_authenticated else None,
                **fields,
            )
    except IntegrityError:  # the same visitor voting twice at the same moment
        feedback = HelpFeedback.objects.get(article=article, voter=voter.key)
        return feedback


def current_vote(request: HttpRequest, article) -> HelpFeedback | None:
    voter = voter_for(request)
    if voter.new_cookie:
        return None
    return HelpFeedback.objects.filter(article=article, voter=voter.key).first()

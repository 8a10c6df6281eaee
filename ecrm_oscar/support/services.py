"""Support case logic: open, reply (both ways), status, assignment, notifications.

Every change goes through these functions so the timeline event and the emails are never
forgotten. Emails are sent by the Celery task ``ecrm.support.notify`` after commit.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from ecrm_oscar import conf
from ecrm_oscar.core.tasks import enqueue_on_commit
from ecrm_oscar.support.abstract_models import CaseStatus
from ecrm_oscar.support.models import CaseMessage, SupportCase


class RateLimited(Exception):
    """Too many cases from one account or address in the last hour."""


def _record(case: SupportCase, action: str, request=None) -> None:
    """Put the case on the customer's timeline (``support_case`` events)."""
    try:
        from ecrm_oscar.tracking import capture
    except ImportError:  # tracking not installed
        return
    from django.apps import apps

    if not apps.is_installed("ecrm_oscar.tracking"):
        return
    capture.record(
        "support_case",
        request=request if action == "opened" else None,
        user=case.user,
        order=case.order,
        channel="support",
        payload={"case": case.number, "action": action, "status": case.status},
    )


def address_key(request) -> str:
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    return hashlib.sha256(f"{settings.SECRET_KEY}:ecrm-support:{address}".encode()).hexdigest()


def check_rate(request, user=None) -> None:
    """Raise RateLimited when the account or address opened too many cases this hour."""
    since = timezone.now() - timedelta(hours=1)
    limit = conf.get("ECRM_SUPPORT_CASES_PER_HOUR")
    recent = SupportCase.objects.filter(created_at__gte=since)
    signed_in = user is not None and user.is_authenticated
    if signed_in and recent.filter(user=user).count() >= limit:
        raise RateLimited
    key = address_key(request)
    if recent.filter(context__address=key).count() >= limit:
        raise RateLimited


@transaction.atomic
def open_case(
    *,
    subject: str,
    body: str,
    user=None,
    email: str = "",
    order=None,
    channel: str = "web",
    context: dict[str, Any] | None = None,
    request=None,
) -> SupportCase:
    """Open a case with its first message from the customer."""
    if user is not None and not user.is_authenticated:
        user = None
    context = dict(context or {})
    if request is not None:
        context["address"] = address_key(request)
    # the customer's emails are written in the language they wrote in (fa, th …)
    context.setdefault("language", translation.get_language() or settings.LANGUAGE_CODE)
    case = SupportCase.objects.create(
        subject=subject.strip()[:200],
        user=user,
        email=(email or "").strip() if user is None else "",
        order=order,
        channel=channel,
        context=context,
    )
    CaseMessage.objects.create(case=case, author=user, from_staff=False, body=body.strip())
    _record(case, "opened", request)
    _notify(case, "opened")
    return case


@transaction.atomic
def reply(case: SupportCase, *, author, body: str, from_staff: bool) -> CaseMessage:
    """Add a message. Staff replies wait on the customer; customer replies reopen."""
    message = CaseMessage.objects.create(
        case=case, author=author, from_staff=from_staff, body=body.strip()
    )
    case.status = CaseStatus.WAITING if from_staff else CaseStatus.OPEN
    case.updated_at = timezone.now()
    if from_staff and case.assigned_to_id is None and author is not None:
        case.assigned_to = author
    case.solved_at = None
    case.save(update_fields=["status", "updated_at", "assigned_to", "solved_at"])
    _record(case, "staff_replied" if from_staff else "customer_replied")
    _notify(case, "staff_replied" if from_staff else "customer_replied")
    return message


@transaction.atomic
def update(case: SupportCase, *, status: str | None = None, assigned_to=None, by=None) -> None:
    """Change status and/or assignment (staff)."""
    fields = ["updated_at"]
    if status is not None and status != case.status:
        case.status = status
        case.solved_at = timezone.now() if status == CaseStatus.SOLVED else None
        fields += ["status", "solved_at"]
    if assigned_to is not case.assigned_to:
        case.assigned_to = assigned_to
        fields.append("assigned_to")
    case.updated_at = timezone.now()
    case.save(update_fields=fields)
    if "status" in fields:
        _record(case, "solved" if case.status == CaseStatus.SOLVED else "status_changed")
        if case.status == CaseStatus.SOLVED:
            _notify(case, "solved")


def cases_for(user):
    """A shopper's own cases (the only ones their account pages may show)."""
    return SupportCase.objects.filter(user=user).select_related("order")


def _notify(case: SupportCase, event: str) -> None:
    from ecrm_oscar.support import tasks

    enqueue_on_commit(tasks.notify, case.pk, event)


def send_notifications(case_id: int, event: str) -> int:
    """Email the customer (staff replies, solved, confirmation) and the support address
    (new cases, customer replies). Returns the number of emails sent."""
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string

    case = SupportCase.objects.filter(pk=case_id).select_related("user").first()
    if case is None:
        return 0
    last = case.messages.order_by("-created_at", "-id").first()
    context = {"case": case, "message": last, "event": event, "site_name": _site_name()}
    sent = 0
    to_customer = event in ("opened", "staff_replied", "solved")
    to_staff = event in ("opened", "customer_replied")
    if to_customer and case.customer_email:
        with translation.override((case.context or {}).get("language") or settings.LANGUAGE_CODE):
            context["case_url"] = absolute_url(_reverse("ecrm:support-detail", case.number))
            EmailMessage(
                render_to_string("ecrm/support/emails/customer_subject.txt", context).strip(),
                render_to_string("ecrm/support/emails/customer_body.txt", context),
                to=[case.customer_email],
            ).send()
        sent += 1
    staff_address = conf.get("ECRM_SUPPORT_EMAIL")
    if to_staff and staff_address:
        recipients = [staff_address]
        if case.assigned_to_id and case.assigned_to.email:
            recipients.append(case.assigned_to.email)
        with translation.override(settings.LANGUAGE_CODE):
            context["dashboard_url"] = absolute_url(
                _reverse("ecrm_support_dashboard:ecrm-support-case-detail", case.pk)
            )
            EmailMessage(
                render_to_string("ecrm/support/emails/staff_subject.txt", context).strip(),
                render_to_string("ecrm/support/emails/staff_body.txt", context),
                to=recipients,
            ).send()
        sent += 1
    return sent


def _reverse(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # the project did not include those URLs
        return ""


def absolute_url(path: str) -> str:
    """``path`` on the shop's own domain, for emails (sent by a worker: no request).

    The domain is the current ``django.contrib.sites`` site's (as in Oscar's own emails,
    with ``OSCAR_URL_SCHEMA``), else Wagtail's default site's root URL; "" stays "".
    """
    if not path:
        return ""
    if apps.is_installed("django.contrib.sites"):
        from django.contrib.sites.models import Site

        site = Site.objects.filter(pk=getattr(settings, "SITE_ID", None)).first()
        if site is not None and site.domain:
            scheme = getattr(settings, "OSCAR_URL_SCHEMA", "https")
            return f"{scheme}://{site.domain}{path}"
    if apps.is_installed("wagtail"):
        from wagtail.models import Site as WagtailSite

        default = WagtailSite.objects.filter(is_default_site=True).first()
        if default is not None:
            return default.root_url + path
    return path


def _site_name() -> str:
    return getattr(settings, "OSCAR_SHOP_NAME", "") or "Support"

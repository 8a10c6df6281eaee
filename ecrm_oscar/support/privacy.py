"""Support cases' part in a person's export and erasure (cases by account or email)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from oscar.core.loading import get_model

SupportCase = get_model("ecrm_support", "SupportCase")
CaseMessage = get_model("ecrm_support", "CaseMessage")


def _cases(user: Any):
    condition = Q(user_id=user.pk)
    if getattr(user, "email", ""):
        condition |= Q(email__iexact=user.email)
    return SupportCase.objects.filter(condition)


def export_user(user: Any) -> dict[str, Any]:
    cases = []
    for case in _cases(user).prefetch_related("messages").order_by("created_at"):
        cases.append(
            {
                "number": case.number,
                "subject": case.subject,
                "status": case.status,
                "email": case.email,
                "channel": case.channel,
                "opened": case.created_at.isoformat(),
                "messages": [
                    {
                        "from_staff": message.from_staff,
                        "body": message.body,
                        "sent": message.created_at.isoformat(),
                    }
                    for message in case.messages.all()
                ],
            }
        )
    return {"cases": cases}


def erase_user(user: Any) -> dict[str, int]:
    """The person's cases (their words, name and address) are deleted with their messages;
    messages the person wrote in other cases lose their author."""
    cases = _cases(user)
    messages = CaseMessage.objects.filter(case__in=cases).count()
    deleted_cases = cases.count()
    cases.delete()
    CaseMessage.objects.filter(author_id=user.pk).update(author=None)
    return {"SupportCase": deleted_cases, "CaseMessage": messages}

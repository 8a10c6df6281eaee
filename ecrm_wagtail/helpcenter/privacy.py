"""The help center's part in a person's export and erasure: their article votes.

Search logs and help sessions carry a browser key, never an account; once tracking's events
of the person are erased nothing links them to the person, so they stay for the reports.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from ecrm_wagtail.helpcenter.models import HelpFeedback


def _votes(user: Any):
    return HelpFeedback.objects.filter(Q(user_id=user.pk) | Q(voter=f"user:{user.pk}"))


def export_user(user: Any) -> dict[str, Any]:
    return {
        "votes": [
            {
                "article": title,
                "helpful": helpful,
                "reason": reason,
                "comment": comment,
                "voted_at": created.isoformat(),
            }
            for title, helpful, reason, comment, created in _votes(user)
            .order_by("created_at")
            .values_list("article__title", "helpful", "reason", "comment", "created_at")
        ]
    }


def erase_user(user: Any) -> dict[str, int]:
    deleted, _ = _votes(user).delete()
    return {"HelpFeedback": deleted}

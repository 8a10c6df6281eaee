"""Customer profiles' part in a person's export and erasure."""

from __future__ import annotations

from typing import Any

from ecrm_oscar.customers.models import CustomerProfile, SegmentChange, SegmentMembership


def export_user(user: Any) -> dict[str, Any]:
    profile = CustomerProfile.objects.filter(user_id=user.pk).values().first()
    if profile:
        profile = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in profile.items()}
        profile = {k: str(v) if type(v).__name__ == "Decimal" else v for k, v in profile.items()}
    segments = list(
        SegmentMembership.objects.filter(user_id=user.pk).values_list("segment__name", flat=True)
    )
    history = [
        {
            "from_segment": change.from_segment,
            "to_segment": change.to_segment,
            "changed_at": change.changed_at.isoformat(),
            "source": change.source,
        }
        for change in SegmentChange.objects.filter(user_id=user.pk).order_by("changed_at", "pk")
    ]
    return {"profile": profile, "segments": segments, "segment_history": history}


def erase_user(user: Any) -> dict[str, int]:
    """Profiles, memberships and segment history derive from the person's orders: they go."""
    memberships, _ = SegmentMembership.objects.filter(user_id=user.pk).delete()
    changes, _ = SegmentChange.objects.filter(user_id=user.pk).delete()
    profiles, _ = CustomerProfile.objects.filter(user_id=user.pk).delete()
    return {
        "SegmentMembership": memberships,
        "SegmentChange": changes,
        "CustomerProfile": profiles,
    }

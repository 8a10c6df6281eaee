"""Customer profiles' part in a person's export and erasure."""

from __future__ import annotations

from typing import Any

from ecrm_oscar.customers.models import CustomerProfile, SegmentMembership


def export_user(user: Any) -> dict[str, Any]:
    profile = CustomerProfile.objects.filter(user_id=user.pk).values().first()
    if profile:
        profile = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in profile.items()}
        profile = {k: str(v) if type(v).__name__ == "Decimal" else v for k, v in profile.items()}
    segments = list(
        SegmentMembership.objects.filter(user_id=user.pk).values_list("segment__name", flat=True)
    )
    return {"profile": profile, "segments": segments}


def erase_user(user: Any) -> dict[str, int]:
    """Profiles and memberships are derived from the person's orders: they go."""
    memberships, _ = SegmentMembership.objects.filter(user_id=user.pk).delete()
    profiles, _ = CustomerProfile.objects.filter(user_id=user.pk).delete()
    return {"SegmentMembership": memberships, "CustomerProfile": profiles}

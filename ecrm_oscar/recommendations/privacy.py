"""Recommendations' part in a person's export and erasure: the stored personal list."""

from __future__ import annotations

from typing import Any

from ecrm_oscar.recommendations.models import Recommendation
from ecrm_oscar.recommendations.training import PERSONAL


def _mine(user: Any):
    return Recommendation.objects.filter(strategy=PERSONAL, subject=f"user:{user.pk}")


def export_user(user: Any) -> dict[str, Any]:
    return {
        "recommended_products": list(
            _mine(user).order_by("rank").values_list("product_id", flat=True)
        )
    }


def erase_user(user: Any) -> dict[str, int]:
    deleted, _ = _mine(user).delete()
    return {"Recommendation": deleted}

"""This app's own part in exports and erasure: the person's consent records."""

from __future__ import annotations

from typing import Any

from ecrm_oscar.privacy.models import ConsentRecord
from ecrm_oscar.privacy.services import consent_history, person_filter


def export_user(user: Any) -> dict[str, Any]:
    return {
        "consents": [
            {
                "purpose": record.purpose,
                "granted": record.granted,
                "source": record.source,
                "email": record.email,
                "recorded_at": record.created_at.isoformat(),
            }
            for record in consent_history(user)
        ]
    }


def erase_user(user: Any) -> dict[str, int]:
    """Consent records name the person, so they go with them."""
    deleted, _by_model = ConsentRecord.objects.filter(person_filter(user)).delete()
    return {"ConsentRecord": deleted}

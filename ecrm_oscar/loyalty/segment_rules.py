"""The "loyalty tier is" condition for the customers app's rule segments.

Registered by ``EcrmLoyaltyConfig.ready()`` when ``ecrm_oscar.customers`` is installed, so
owners can build segments such as "Gold members who have not ordered in 60 days" in the
segment editor. Memberships follow tier changes: one customer after ``update_tier``, every
segment using the rule after a bulk placement (``place_in_tiers``).
"""

from __future__ import annotations

from datetime import datetime

from django.apps import apps
from django.utils.translation import gettext_lazy as _

RULE_CODE = "loyalty_tier"


def customers_installed() -> bool:
    return apps.is_installed("ecrm_oscar.customers")


def _tier_choices() -> list[tuple[str, str]]:
    from ecrm_oscar.loyalty.models import Tier

    return [
        (str(pk), name) for pk, name in Tier.objects.order_by("threshold").values_list("pk", "name")
    ]


def _match_users(params: dict, users: set[int] | None, as_of: datetime) -> set[int]:
    from ecrm_oscar.loyalty.models import LoyaltyAccount

    accounts = LoyaltyAccount.objects.filter(tier_id=int(params["choice"])).exclude(user=None)
    if users is not None:
        accounts = accounts.filter(user_id__in=users)
    return set(accounts.values_list("user_id", flat=True))


def _describe(params: dict) -> str:
    from ecrm_oscar.loyalty.models import Tier

    name = Tier.objects.filter(pk=params.get("choice")).values_list("name", flat=True).first()
    return f"Loyalty tier is {name or 'a deleted tier'}"


def register() -> None:
    from ecrm_oscar.customers import rules

    rules.register(
        rules.RuleType(
            code=RULE_CODE,
            label=_("Loyalty tier is"),
            inputs=("choice",),
            choices=_tier_choices,
            match_users=_match_users,
            describe=_describe,
            help_text=_("Members currently in this tier of the loyalty programme."),
        )
    )


def tier_changed(user_id: int) -> None:
    """Refresh one customer's segment memberships after the commit."""
    if customers_installed():
        from ecrm_oscar.customers.services import refresh_segments

        refresh_segments(user_id=user_id)


def tiers_placed() -> None:
    """Rebuild the segments that use the tier rule, after a bulk tier placement."""
    if not customers_installed():
        return
    from ecrm_oscar.core.tasks import enqueue_on_commit
    from ecrm_oscar.customers import tasks
    from ecrm_oscar.customers.models import Segment

    ids = Segment.objects.filter(rules__kind=RULE_CODE).values_list("pk", flat=True).distinct()
    for segment_id in ids:
        enqueue_on_commit(tasks.rebuild_segments, segment_id)

"""Loyalty's part in a person's export and erasure.

The ledger is append-only and the programme's liability and history depend on it, so an
erasure unlinks the account (user, birthday) and keeps its entries, which then name
nobody; personal coupons and referrals of the person go.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from ecrm_oscar.loyalty.models import LoyaltyAccount, PersonalCoupon, Referral


def export_user(user: Any) -> dict[str, Any]:
    account = LoyaltyAccount.objects.filter(user_id=user.pk).select_related("tier").first()
    if account is None:
        return {"account": None, "entries": [], "coupons": []}
    entries = account.entries.order_by("created_at", "pk").values(
        "kind", "points", "pending", "reserved", "reason", "order_number", "created_at"
    )
    return {
        "account": {
            "balance": account.balance,
            "pending": account.pending,
            "reserved": account.reserved,
            "tier": account.tier.name if account.tier else None,
            "birthday": account.birthday.isoformat() if account.birthday else None,
            "referral_code": account.referral_code,
            "created_at": account.created_at.isoformat(),
        },
        "entries": [{**e, "created_at": e["created_at"].isoformat()} for e in entries],
        "coupons": list(
            PersonalCoupon.objects.filter(user_id=user.pk).values_list("voucher__code", flat=True)
        ),
    }


def erase_user(user: Any) -> dict[str, int]:
    coupons, _ = PersonalCoupon.objects.filter(user_id=user.pk).delete()
    referrals, _ = Referral.objects.filter(Q(referrer_id=user.pk) | Q(referred_id=user.pk)).delete()
    accounts = LoyaltyAccount.objects.filter(user_id=user.pk).update(user=None, birthday=None)
    return {"PersonalCoupon": coupons, "Referral": referrals, "LoyaltyAccount (unlinked)": accounts}

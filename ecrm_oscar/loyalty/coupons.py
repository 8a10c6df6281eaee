"""Personal coupons: segment-targeted, unique, single-use Oscar vouchers.

A :class:`~ecrm_oscar.loyalty.models.CouponCampaign` owns one Oscar voucher offer (its
benefit an ordinary Oscar percentage or absolute discount on all products, its condition
:class:`~ecrm_oscar.loyalty.offers.PersonalCouponCondition`). :func:`issue` gives every
shopper of the target who has none yet their own voucher (a random code, single use,
valid for the campaign's days) and emails it (task ``ecrm.loyalty.send_coupon``).
Issuing again only reaches shoppers who joined the target since: one coupon per shopper
and campaign (unique in the database).
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from ecrm_oscar.core.tasks import enqueue_on_commit
from ecrm_oscar.loyalty.models import CouponCampaign, LoyaltyAccount, PersonalCoupon, Tier
from ecrm_oscar.loyalty.offers import COUPON_CONDITION_PATH

logger = logging.getLogger("ecrm.loyalty")

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud


def new_code(prefix: str = "LOYAL") -> str:
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
    return f"{prefix}-{body[:5]}-{body[5:]}"


# -- targets -----------------------------------------------------------------------------


def _segment_models():
    """The customers app's segments, when that app is installed (else None)."""
    if not apps.is_installed("ecrm_oscar.customers"):
        return None
    try:
        return apps.get_model("ecrm_customers", "Segment"), apps.get_model(
            "ecrm_customers", "SegmentMembership"
        )
    except LookupError:
        return None


def target_choices() -> list[tuple[str, str]]:
    """Everybody, each tier, and each customer segment (when segments exist)."""
    choices = [("all", _("All customers"))]
    choices += [
        (f"tier:{tier.pk}", _("Tier: %(name)s") % {"name": tier.name})
        for tier in Tier.objects.all()
    ]
    models = _segment_models()
    if models is not None:
        Segment, _membership = models
        choices += [
            (f"segment:{slug}", _("Segment: %(name)s") % {"name": name})
            for slug, name in Segment.objects.filter(active=True).values_list("slug", "name")
        ]
    return choices


def target_label(target: str) -> str:
    return dict(target_choices()).get(target, target)


def target_users(target: str):
    """The active customers a target names (a queryset of users)."""
    User = get_user_model()
    users = User.objects.filter(is_active=True, is_staff=False).exclude(email="")
    kind, _sep, value = target.partition(":")
    if kind == "all":
        return users
    if kind == "tier" and value.isdigit():
        members = LoyaltyAccount.objects.filter(tier_id=int(value)).values("user_id")
        return users.filter(pk__in=members)
    if kind == "segment":
        models = _segment_models()
        if models is not None:
            _segment, Membership = models
            members = Membership.objects.filter(segment__slug=value, user__isnull=False)
            return users.filter(pk__in=members.values("user_id"))
    return users.none()


# -- the campaign's Oscar offer ------------------------------------------------------------------


def ensure_offer(campaign: CouponCampaign):
    """Create the campaign's voucher offer once (an Oscar benefit of the campaign's kind)."""
    if campaign.offer_id:
        return campaign.offer
    ConditionalOffer = get_model("offer", "ConditionalOffer")
    Condition = get_model("offer", "Condition")
    Benefit = get_model("offer", "Benefit")
    Range = get_model("offer", "Range")
    with transaction.atomic():
        product_range = Range.objects.filter(name="Personal coupons: all products").first()
        if product_range is None:
            product_range = Range.objects.create(
                name="Personal coupons: all products", includes_all_products=True
            )
        condition = Condition.objects.create(
            proxy_class=COUPON_CONDITION_PATH, value=campaign.min_basket
        )
        benefit = Benefit.objects.create(
            type=campaign.kind, value=campaign.value, range=product_range
        )
        campaign.offer = ConditionalOffer.objects.create(
            name=f"Personal coupon: {campaign.name}"[:128],
            description=campaign.description,
            offer_type=ConditionalOffer.VOUCHER,
            condition=condition,
            benefit=benefit,
            max_basket_applications=1,
        )
        campaign.save(update_fields=["offer"])
    return campaign.offer


# -- issuing -----------------------------------------------------------------------------------


def issue(campaign: CouponCampaign, *, limit: int | None = None) -> int:
    """Give a voucher to each shopper of the target who has none yet; returns how many.

    Each coupon is created in its own small transaction and emailed after it commits.
    """
    Voucher = get_model("voucher", "Voucher")
    offer = ensure_offer(campaign)
    have = PersonalCoupon.objects.filter(campaign=campaign).values("user_id")
    users = target_users(campaign.target).exclude(pk__in=have).order_by("pk")
    if limit:
        users = users[:limit]
    now = timezone.now()
    issued = 0
    for user in users.iterator(chunk_size=500):
        try:
            with transaction.atomic():
                code = new_code()
                while Voucher.objects.filter(code=code).exists():
                    code = new_code()
                voucher = Voucher.objects.create(
                    name=f"{campaign.name} #{user.pk}"[:128],
                    code=code,
                    usage=Voucher.SINGLE_USE,
                    start_datetime=now,
                    end_datetime=now + timedelta(days=campaign.valid_days),
                )
                voucher.offers.add(offer)
                coupon = PersonalCoupon.objects.create(
                    campaign=campaign, user=user, voucher=voucher, issued_at=now
                )
                from ecrm_oscar.loyalty import tasks

                enqueue_on_commit(tasks.send_coupon, coupon.pk)
        except IntegrityError:  # issued concurrently: one per shopper and campaign
            continue
        issued += 1
    CouponCampaign.objects.filter(pk=campaign.pk).update(issued_at=now)
    return issued


def send(coupon: PersonalCoupon) -> bool:
    """Email a coupon once (``emailed_at`` remembers it)."""
    from ecrm_oscar.loyalty import emails, services

    if coupon.emailed_at is not None or not services.program().send_emails:
        return False
    sent = emails.send(emails.COUPON, coupon.user, {"coupon": coupon, "campaign": coupon.campaign})
    if sent:
        PersonalCoupon.objects.filter(pk=coupon.pk).update(emailed_at=timezone.now())
    return sent


def coupons_for(user: Any) -> list[PersonalCoupon]:
    """The shopper's coupons that can still be used, soonest to expire first."""
    now = timezone.now()
    return list(
        PersonalCoupon.objects.filter(
            user=user, voucher__end_datetime__gt=now, voucher__num_orders=0
        )
        .select_related("voucher", "campaign")
        .order_by("voucher__end_datetime")
    )

"""The loyalty programme's logic: earning from orders, confirmation, reversal, tiers,
bonuses, referrals and expiry. Plain functions, called by tasks (and the demo command);
every ledger write goes through :mod:`ecrm_oscar.loyalty.facade`.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from oscar.core.loading import get_model
from oscar.templatetags.currency_filters import currency

from ecrm_oscar.dashboard.switches import capability_on
from ecrm_oscar.loyalty import emails, facade, segment_rules
from ecrm_oscar.loyalty.models import (
    Kind,
    LedgerEntry,
    LoyaltyAccount,
    ProgramSettings,
    Referral,
    Tier,
)
from ecrm_oscar.loyalty.rules import Earning, money_for_points, order_earning, refund_points

logger = logging.getLogger("ecrm.loyalty")

TIERS_CACHE_KEY = "ecrm:loyalty:tiers"


def program() -> ProgramSettings:
    return ProgramSettings.get()


def tiers() -> list[Tier]:
    """All tiers, lowest threshold first (cached; saving or deleting a tier clears it)."""
    found = cache.get(TIERS_CACHE_KEY)
    if found is None:
        found = list(Tier.objects.all())
        cache.set(TIERS_CACHE_KEY, found, 300)
    return found


def clear_tier_cache(**kwargs: Any) -> None:
    cache.delete(TIERS_CACHE_KEY)


def order_ref(order: Any) -> str:
    return f"order:{order.pk}"


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` moved by whole calendar months (the day clamped to the month's end)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


# -- earning from orders ------------------------------------------------------------------


def multiplier_for(user_id: int) -> Decimal:
    """The points multiplier of the user's tier (1 without a tier)."""
    found = (
        LoyaltyAccount.objects.filter(user_id=user_id)
        .values_list("tier__multiplier", flat=True)
        .first()
    )
    return found if found is not None else Decimal("1")


def earning_for(order: Any, settings: ProgramSettings | None = None) -> Earning:
    settings = settings or program()
    return order_earning(order, order.lines.all(), settings, multiplier_for(order.user_id))


def award_order(
    order: Any,
    *,
    at: datetime | None = None,
    notify: bool = True,
    settings: ProgramSettings | None = None,
    update_tier_after: bool = True,
) -> facade.Result | None:
    """Award the points ``order`` earns (pending; confirmed at once if the order already has
    the confirmation status). Idempotent: the key is ``order:<pk>:award``. Guest orders and
    orders that earn nothing are skipped."""
    settings = settings or program()
    if not order.user_id or not settings.enabled or not capability_on("loyalty"):
        return None
    earning = earning_for(order, settings)
    if earning.points <= 0:
        return None
    confirm_now = bool(settings.confirm_status) and order.status == settings.confirm_status
    result = facade.award(
        order.user_id,
        earning.points,
        key=f"order:{order.pk}:award",
        reason=_("Order %(number)s") % {"number": order.number},
        order=order,
        lines=earning.lines,
        confirm=confirm_now,
        detail=earning.detail(),
        at=at,
    )
    if result.created:
        if confirm_now:
            after_confirmation(order, earning.points, at=at, notify=notify)
        elif update_tier_after:
            update_tier(order.user, at=at, notify=notify)
    return result


def confirm_order(order: Any, *, at: datetime | None = None, notify: bool = True) -> int:
    """Make the order's pending points spendable; returns how many were confirmed."""
    if not order.user_id:
        return 0
    result = facade.confirm(
        order.user_id,
        ref=order_ref(order),
        key=f"order:{order.pk}:confirm",
        reason=_("Order %(number)s confirmed") % {"number": order.number},
        at=at,
    )
    if not result.created:
        return 0
    after_confirmation(order, result.points, at=at, notify=notify)
    return result.points


def after_confirmation(
    order: Any, points: int, *, at: datetime | None = None, notify: bool = True
) -> None:
    """What follows an order's points being confirmed: first-order and referral bonuses,
    the tier, and the "points earned" email."""
    settings = program()
    user = order.user
    Order = get_model("order", "Order")
    earlier = Order.objects.filter(user_id=order.user_id, date_placed__lt=order.date_placed)
    if settings.first_order_points and not earlier.exists():
        award_bonus(
            user,
            settings.first_order_points,
            key=f"bonus:first-order:{user.pk}",
            reason=_("First order bonus"),
            at=at,
            notify=False,
        )
    reward_referral(user, at=at, notify=notify)
    update_tier(user, at=at, notify=notify)
    if notify and settings.send_emails:
        emails.send(
            emails.POINTS_EARNED,
            user,
            {"points": points, "order": order, "account": account_of(user)},
        )


def cancel_order(order: Any, *, key: str | None = None, at: datetime | None = None) -> int:
    """Reverse everything the order earned and give back points spent on it; returns the
    points reversed."""
    if not order.user_id:
        return 0
    key = key or f"order:{order.pk}:cancel"
    reason = _("Order %(number)s cancelled") % {"number": order.number}
    result = facade.reverse(order.user_id, ref=order_ref(order), key=key, reason=reason, at=at)
    spent = -(
        LedgerEntry.objects.filter(order_id=order.pk, kind=Kind.REDEEM).aggregate(
            total=Sum("points") + Sum("reserved")
        )["total"]
        or 0
    )
    if spent > 0:
        facade.adjust(
            order.user_id,
            spent,
            key=f"order:{order.pk}:return-points",
            order=order,
            reason=_("Points spent on order %(number)s returned: order cancelled")
            % {"number": order.number},
            at=at,
        )
    update_tier(order.user, at=at, notify=False)
    return -result.change


def earned_on_line(line: Any) -> int:
    """The points one order line earned (from its order's award entries)."""
    rows = LedgerEntry.objects.filter(
        ref=f"order:{line.order_id}", kind=Kind.EARN_PENDING
    ).values_list("pending", "detail")
    return sum(facade.earned_by_line(points, detail).get(line.pk, 0) for points, detail in rows)


def cancel_line(line: Any, *, key: str, at: datetime | None = None) -> int:
    """Reverse what one order line earned (line cancelled)."""
    order = line.order
    if not order.user_id:
        return 0
    result = facade.reverse(
        order.user_id,
        ref=order_ref(order),
        key=key,
        line=line,
        reason=_("%(title)s cancelled (order %(number)s)")
        % {"title": line.title, "number": order.number},
        at=at,
    )
    return -result.change


def refund_line(
    line: Any, *, quantity: int, refunded_before: int, key: str, at: datetime | None = None
) -> int:
    """Reverse the share of a line's points for ``quantity`` refunded units."""
    order = line.order
    if not order.user_id:
        return 0
    points = refund_points(earned_on_line(line), line.quantity, refunded_before, quantity)
    if points <= 0:
        return 0
    result = facade.reverse(
        order.user_id,
        ref=order_ref(order),
        key=key,
        line=line,
        points=points,
        reason=_("%(quantity)s × %(title)s refunded (order %(number)s)")
        % {"quantity": quantity, "title": line.title, "number": order.number},
        at=at,
    )
    return -result.change


def handle_payment_event(event: Any) -> int:
    """Reverse points for a refund recorded as an Oscar payment event: line by line when
    the event names lines, the whole order when it refunds at least the order total."""
    settings = program()
    if not settings.is_refund_event(event.event_type):
        return 0
    order = event.order
    quantities = list(event.line_quantities.select_related("line", "line__order"))
    if not quantities:
        if event.amount >= order.total_incl_tax:
            return cancel_order(order, key=f"payment-event:{event.pk}:all")
        return 0  # an amount-only partial refund: no lines to reverse (docs/loyalty.md)
    PaymentEventQuantity = get_model("order", "PaymentEventQuantity")
    reversed_points = 0
    for quantity in quantities:
        before = (
            PaymentEventQuantity.objects.filter(line=quantity.line, event__pk__lt=event.pk)
            .filter(event__event_type=event.event_type)
            .aggregate(total=Sum("quantity"))["total"]
            or 0
        )
        reversed_points += refund_line(
            quantity.line,
            quantity=quantity.quantity,
            refunded_before=before,
            key=f"payment-event:{event.pk}:line:{quantity.line_id}",
        )
    return reversed_points


def confirm_due(now: datetime | None = None) -> int:
    """Confirm pending order points older than the returns window; returns orders done."""
    settings = program()
    if settings.confirm_after_days is None:
        return 0
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.confirm_after_days)
    Order = get_model("order", "Order")
    due = (
        LedgerEntry.objects.filter(ref__startswith="order:")
        .exclude(order_id=None)
        .values("order_id")
        .annotate(left=Sum("pending"), earned_at=Min("created_at"))
        .filter(left__gt=0, earned_at__lte=cutoff)
        .values_list("order_id", flat=True)
    )
    done = 0
    for order in Order.objects.filter(pk__in=list(due)).select_related("user"):
        if settings.is_cancel_status(order.status):
            continue
        if confirm_order(order, at=now):
            done += 1
    return done


# -- bonuses and referrals ------------------------------------------------------------------


def account_of(user: Any) -> LoyaltyAccount | None:
    return LoyaltyAccount.objects.filter(user_id=getattr(user, "pk", user)).first()


def award_bonus(
    user: Any,
    points: int,
    *,
    key: str,
    reason: str,
    at: datetime | None = None,
    notify: bool = True,
) -> facade.Result | None:
    """Award and confirm a bonus at once (registration, birthday, review, referral…)."""
    settings = program()
    if points <= 0 or not settings.enabled or not capability_on("loyalty"):
        return None
    result = facade.award(user, points, key=key, reason=reason, ref=key[:64], confirm=True, at=at)
    if result.created and notify and settings.send_emails:
        emails.send(
            emails.POINTS_EARNED,
            user,
            {"points": points, "reason": reason, "account": result.account},
        )
    return result


def registration_bonus(user: Any) -> facade.Result | None:
    return award_bonus(
        user,
        program().registration_points,
        key=f"bonus:registration:{user.pk}",
        reason=_("Welcome bonus"),
    )


def review_bonus(review: Any) -> facade.Result | None:
    if not review.user_id or review.status != review.APPROVED:
        return None
    return award_bonus(
        review.user,
        program().review_points,
        key=f"bonus:review:{review.pk}",
        reason=_("Review of %(product)s") % {"product": review.product.get_title()},
    )


def birthday_bonuses(today: date | None = None) -> int:
    """Award the birthday bonus to everyone whose birthday is today (29 February birthdays
    on 28 February in other years); once per year by key."""
    settings = program()
    if not settings.birthday_points:
        return 0
    today = today or timezone.localdate()
    days = [today.day]
    if today.month == 2 and today.day == 28 and not calendar.isleap(today.year):
        days.append(29)
    accounts = LoyaltyAccount.objects.filter(
        birthday__month=today.month, birthday__day__in=days, user__is_active=True
    ).select_related("user")
    done = 0
    for account in accounts:
        result = award_bonus(
            account.user,
            settings.birthday_points,
            key=f"bonus:birthday:{account.user_id}:{today.year}",
            reason=_("Happy birthday!"),
        )
        done += bool(result and result.created)
    return done


def _same_person(first: Any, second: Any) -> bool:
    """Basic fraud check: the same mailbox behind two accounts (case, +tags, Gmail dots)."""

    def mailbox(user: Any) -> str:
        local, _at, domain = (user.email or "").lower().partition("@")
        local = local.split("+", 1)[0]
        if domain in ("gmail.com", "googlemail.com"):
            local, domain = local.replace(".", ""), "gmail.com"
        return f"{local}@{domain}"

    return bool(first.email and second.email) and mailbox(first) == mailbox(second)


def record_referral(referred: Any, code: str) -> Referral | None:
    """Record that ``referred`` registered through ``code``'s referral link.

    Refused (None, logged): an unknown code, self-referral (the same account, or the same
    mailbox), a customer who was already referred or has already ordered.
    """
    code = (code or "").strip()
    account = LoyaltyAccount.objects.filter(referral_code=code).select_related("user").first()
    Order = get_model("order", "Order")
    if account is None or account.user is None:
        reason = "unknown code"
    elif account.user_id == referred.pk or _same_person(account.user, referred):
        reason = "self-referral"
    elif Referral.objects.filter(referred=referred).exists():
        reason = "already referred"
    elif Order.objects.filter(user=referred).exists():
        reason = "not a new customer"
    else:
        return Referral.objects.create(referrer=account.user, referred=referred)
    logger.info("Referral of user %s with code %r refused: %s", referred.pk, code, reason)
    return None


def reward_referral(
    referred: Any, *, at: datetime | None = None, notify: bool = True
) -> Referral | None:
    """Reward the referrer (and the referred customer) once, when the referred customer's
    first order is confirmed. The keys make it once per referred customer."""
    referral = (
        Referral.objects.filter(referred=referred, rewarded_at=None)
        .select_related("referrer")
        .first()
    )
    if referral is None:
        return None
    settings = program()
    award_bonus(
        referral.referrer,
        settings.referral_points,
        key=f"bonus:referral:{referral.pk}",
        reason=_("You referred a new customer"),
        at=at,
        notify=notify,
    )
    award_bonus(
        referred,
        settings.referred_points,
        key=f"bonus:referred:{referral.pk}",
        reason=_("Referral welcome bonus"),
        at=at,
        notify=False,
    )
    Referral.objects.filter(pk=referral.pk).update(rewarded_at=at or timezone.now())
    return referral


# -- tiers ----------------------------------------------------------------------------


def tier_values(*, at: datetime | None = None, user_id: int | None = None) -> dict:
    """Spend or points (as the settings say) in the rolling window ending at ``at``, per
    user id: for one user, or for everyone in one aggregate query."""
    settings = program()
    at = at or timezone.now()
    since = at - timedelta(days=settings.tier_window_days)
    if settings.tier_basis == ProgramSettings.TierBasis.POINTS:
        rows = LedgerEntry.objects.filter(
            kind__in=(Kind.EARN_PENDING, Kind.REVERSE), created_at__gt=since, created_at__lte=at
        )
        rows = rows.filter(account__user_id=user_id) if user_id else rows.exclude(
            account__user=None
        )  # fmt: skip
        rows = rows.values_list("account__user_id").annotate(total=Sum("pending") + Sum("points"))
    else:
        Order = get_model("order", "Order")
        total = "total_incl_tax" if settings.include_tax else "total_excl_tax"
        cancelled = Q()
        for name in settings.cancel_status_list():  # as is_cancel_status: any letter case
            cancelled |= Q(status__iexact=name)
        rows = Order.objects.filter(date_placed__gt=since, date_placed__lte=at).exclude(cancelled)
        rows = rows.filter(user_id=user_id) if user_id else rows.exclude(user=None)
        rows = rows.values_list("user_id").annotate(total=Sum(total))
    return {user: Decimal(value or 0) for user, value in rows.order_by()}


def tier_value(user: Any, *, at: datetime | None = None) -> Decimal:
    """One user's spend or points in the rolling window ending at ``at``."""
    user_id = getattr(user, "pk", user)
    return tier_values(at=at, user_id=user_id).get(user_id, Decimal("0"))


def tier_for(value: Decimal) -> Tier | None:
    reached = [tier for tier in tiers() if tier.threshold <= value]
    return reached[-1] if reached else None


def update_tier(user: Any, *, at: datetime | None = None, notify: bool = True) -> Tier | None:
    """Put the user in the tier their rolling spend/points reach; email an upgrade."""
    if not tiers():
        return None
    user_id = getattr(user, "pk", user)
    previous = (
        LoyaltyAccount.objects.filter(user_id=user_id).values_list("tier__threshold", flat=True)
    ).first()
    tier = tier_for(tier_value(user_id, at=at))
    changed = facade.set_tier(user_id, tier, at=at)
    if changed:
        segment_rules.tier_changed(user_id)
    upgraded = tier is not None and (previous is None or tier.threshold > previous)
    if changed and upgraded and notify and program().send_emails:
        user = user if hasattr(user, "email") else get_user_model().objects.get(pk=user_id)
        emails.send(emails.TIER_REACHED, user, {"tier": tier, "account": account_of(user)})
    return tier


def review_tiers(at: datetime | None = None) -> int:
    """Re-place every account (the window rolls on, so tiers can also go down)."""
    changed = 0
    for user_id, tier_id in LoyaltyAccount.objects.exclude(user=None).values_list(
        "user_id", "tier_id"
    ):
        tier = update_tier(user_id, at=at)
        changed += (tier.pk if tier else None) != tier_id
    return changed


# -- expiry ---------------------------------------------------------------------------


def expiry_cutoff(now: datetime, settings: ProgramSettings) -> datetime:
    return add_months(now, -settings.expiry_months)


def expiring_soon(account: LoyaltyAccount, now: datetime | None = None) -> tuple[int, Any]:
    """(points, date) that will expire within the warning period, or (0, None)."""
    settings = program()
    now = now or timezone.now()
    horizon = now + timedelta(days=settings.expiry_warning_days)
    if settings.expiry == ProgramSettings.Expiry.AGE:
        points = facade.expirable(account, expiry_cutoff(horizon, settings))
        return (points, horizon.date()) if points else (0, None)
    if settings.expiry == ProgramSettings.Expiry.INACTIVITY and account.last_activity_at:
        expires = add_months(account.last_activity_at, settings.expiry_months)
        if expires <= horizon and account.balance:
            return account.balance, expires.date()
    return 0, None


def expire_points(now: datetime | None = None, *, notify: bool = True) -> dict[str, int]:
    """Expire what is due and warn those whose points expire soon (daily beat task)."""
    settings = program()
    now = now or timezone.now()
    done = {"expired_accounts": 0, "expired_points": 0, "warned": 0}
    if settings.expiry == ProgramSettings.Expiry.NEVER:
        return done
    day = now.date().isoformat()
    accounts = LoyaltyAccount.objects.filter(balance__gt=0).exclude(user=None)
    for account in accounts.select_related("user").iterator(chunk_size=500):
        if settings.expiry == ProgramSettings.Expiry.AGE:
            result = facade.expire(
                account.user_id,
                key=f"expire:age:{account.pk}:{day}",
                reason=_("Points older than %(months)s months")
                % {"months": settings.expiry_months},
                older_than=expiry_cutoff(now, settings),
                at=now,
            )
        elif (
            account.last_activity_at
            and add_months(account.last_activity_at, settings.expiry_months) <= now
        ):
            result = facade.expire(
                account.user_id,
                key=f"expire:inactive:{account.pk}:{day}",
                reason=_("No points earned or spent for %(months)s months")
                % {"months": settings.expiry_months},
                everything=True,
                at=now,
            )
        else:
            result = None
        if result is not None and result.created:
            done["expired_accounts"] += 1
            done["expired_points"] -= result.points
            account = result.account
        if notify and settings.send_emails and _warn_expiry(account, now, settings):
            done["warned"] += 1
    return done


def _warn_expiry(account: LoyaltyAccount, now: datetime, settings: ProgramSettings) -> bool:
    """One warning per warning period (age), or per spell of inactivity (inactivity)."""
    points, when = expiring_soon(account, now)
    if not points:
        return False
    warned = account.expiry_warned_at
    if warned is not None:
        if settings.expiry == ProgramSettings.Expiry.AGE:
            already = warned > now - timedelta(days=settings.expiry_warning_days)
        else:
            already = account.last_activity_at is None or warned > account.last_activity_at
        if already:
            return False
    if emails.send(
        emails.POINTS_EXPIRING,
        account.user,
        {"points": points, "expires_on": when, "account": account},
    ):
        facade.note_expiry_warning(account.user_id, at=now)
        return True
    return False


# -- read side: what the shopper sees ---------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """One shopper's programme at a glance (header, account page, Wagtail block)."""

    enabled: bool
    balance: int
    pending: int
    reserved: int
    value: Decimal  # what the balance is worth at checkout
    tier: Tier | None
    next_tier: Tier | None
    tier_value: Decimal  # spend or points in the window
    to_next_tier: Decimal
    progress: int  # percent of the way from this tier's threshold to the next one's
    expiring_points: int
    expiring_on: date | None
    referral_code: str
    birthday: date | None
    settings: ProgramSettings


def summary(user: Any) -> Summary:
    """The shopper's summary in three or four queries (settings and tiers are cached)."""
    settings = program()
    account = LoyaltyAccount.objects.filter(user=user).select_related("tier").first()
    if account is None:
        account = LoyaltyAccount(user=user, referral_code="")
    # The stored tier is the one that counts (its multiplier applies); progress is measured
    # from the live rolling value towards the next tier above it.
    value = tier_value(user) if tiers() else Decimal("0")
    floor_value = account.tier.threshold if account.tier else Decimal("0")
    upcoming = next((tier for tier in tiers() if tier.threshold > floor_value), None)
    if upcoming is None:
        progress, to_next = 100, Decimal("0")
    else:
        span = upcoming.threshold - floor_value
        progress = int((value - floor_value) * 100 / span) if span else 100
        to_next = max(upcoming.threshold - value, Decimal("0"))
    points, when = expiring_soon(account) if account.pk else (0, None)
    return Summary(
        enabled=settings.enabled,
        balance=account.balance,
        pending=account.pending,
        reserved=account.reserved,
        value=money_for_points(account.balance, settings.point_value),
        tier=account.tier,
        next_tier=upcoming,
        tier_value=value,
        to_next_tier=to_next,
        progress=max(0, min(progress, 100)),
        expiring_points=points,
        expiring_on=when,
        referral_code=account.referral_code,
        birthday=account.birthday,
        settings=settings,
    )


def history(user: Any):
    """The shopper's ledger, newest first (a queryset, for pagination)."""
    return (
        LedgerEntry.objects.filter(account__user=user)
        .select_related("order")
        .order_by("-created_at", "-id")
    )


def ways_to_earn(settings: ProgramSettings | None = None) -> list[tuple[str, int | None]]:
    """(how, points) lines for "how to earn more", from the owner's settings."""
    settings = settings or program()
    ways: list[tuple[str, int | None]] = []
    if settings.points_per_unit:
        rate = settings.points_per_unit.normalize()
        ways.append(
            (
                ngettext(
                    "%(points)s point for every %(unit)s spent",
                    "%(points)s points for every %(unit)s spent",
                    1 if rate == 1 else 2,
                )
                % {"points": rate, "unit": currency(Decimal(1))},
                None,
            )
        )
    bonuses = [
        (settings.registration_points, _("Create an account")),
        (settings.first_order_points, _("Your first order")),
        (settings.review_points, _("Review a product you bought")),
        (settings.birthday_points, _("On your birthday (tell us the date below)")),
        (settings.referral_points, _("Refer a friend: when their first order is confirmed")),
    ]
    ways.extend((label, points) for points, label in bonuses if points)
    for tier in tiers():
        if tier.multiplier != 1:
            ways.append(
                (
                    _("%(tier)s members earn %(multiplier)s× points")
                    % {"tier": tier.name, "multiplier": tier.multiplier.normalize()},
                    None,
                )
            )
    return ways

"""Earning from real Oscar orders: receivers enqueue after commit, tasks award, confirm,
reverse; tiers, bonuses, referrals, expiry and the emails they send."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.db import transaction
from django.utils import timezone
from oscar.apps.order.signals import order_placed
from oscar.core.loading import get_class, get_model

from ecrm_oscar.loyalty import emails, facade, services, tasks
from ecrm_oscar.loyalty.audit import mismatches
from ecrm_oscar.loyalty.models import Kind, LedgerEntry, LoyaltyAccount, Referral
from ecrm_oscar.testing.factories import create_customer, create_product, create_purchase

pytestmark = pytest.mark.django_db

D = Decimal
EventHandler = get_class("order.processing", "EventHandler")
PaymentEventType = get_model("order", "PaymentEventType")


def account(user) -> LoyaltyAccount:
    return LoyaltyAccount.objects.get(user=user)


def complete(order, committed):
    with committed():
        for status in ("Being processed", "Shipped", "Complete"):
            order.set_status(status)


# -- receivers: after commit, enqueue only -----------------------------------------------------


def test_order_placed_only_enqueues_and_awards_after_commit(
    shopper, program, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order = create_purchase(shopper, [(create_product(price="12.50"), 2)])
        assert not LedgerEntry.objects.exists()  # nothing written inside the checkout
    assert len(callbacks) >= 1 and not LedgerEntry.objects.exists()
    for callback in callbacks:
        callback()
    [entry] = LedgerEntry.objects.filter(order=order)
    assert (entry.kind, entry.pending) == (Kind.EARN_PENDING, 25)
    assert entry.detail == {
        "eligible": "25.00", "rate": "1", "lines": [[order.lines.get().pk, 25]]
    }  # fmt: skip
    assert (account(shopper).balance, account(shopper).pending) == (0, 25)


def test_guest_orders_earn_nothing(program, buy):
    buy(None, ("10.00", 1))
    assert not LedgerEntry.objects.exists()


def test_order_placed_delivered_twice_awards_once(shopper, program, buy, committed):
    order = buy(shopper, ("40.00", 1))
    with committed():
        order_placed.send(sender=None, order=order, user=shopper)
    tasks.award_order.delay(order.pk)  # and the task redelivered by the broker
    assert LedgerEntry.objects.filter(kind=Kind.EARN_PENDING).count() == 1
    assert account(shopper).pending == 40


def test_award_task_crashing_mid_write_then_retried_awards_once(shopper, program):
    """The worker dies inside the award's transaction, after the entries were inserted:
    everything rolls back, Celery retries, and the retry awards exactly once; a rerun after
    a crash between commit and acknowledgement writes nothing."""
    order = create_purchase(shopper, [(create_product(price="30.00"), 1)])  # not committed
    insert = LedgerEntry.objects.bulk_create

    def insert_then_die(*args, **kwargs):
        insert(*args, **kwargs)
        raise RuntimeError("worker killed")

    crash = mock.patch.object(LedgerEntry.objects, "bulk_create", side_effect=insert_then_die)
    with crash, pytest.raises(Retry, match="worker killed"):  # Celery schedules a retry
        tasks.award_order.apply(args=[order.pk])
    assert not LedgerEntry.objects.exists()
    assert tasks.award_order.apply(args=[order.pk]).get() == 30
    assert tasks.award_order.apply(args=[order.pk]).get() == 0
    assert LedgerEntry.objects.filter(kind=Kind.EARN_PENDING).count() == 1
    assert account(shopper).pending == 30
    assert mismatches() == []


def test_a_failing_task_never_breaks_the_checkout(shopper, program, committed):
    with mock.patch.object(services, "award_order", side_effect=RuntimeError("boom")), committed():
        order = create_purchase(shopper)
    assert get_model("order", "Order").objects.filter(pk=order.pk).exists()
    assert not LedgerEntry.objects.exists()


def test_every_receiver_is_wrapped_to_never_break_oscar():
    from ecrm_oscar.loyalty import receivers

    handlers = [value for name, value in vars(receivers).items() if name.startswith("on_")]
    assert len(handlers) == 8 and all(getattr(h, "ecrm_safe", False) for h in handlers)


# -- confirmation ---------------------------------------------------------------------------


def test_points_confirm_at_the_owners_status_and_email(shopper, program, buy, committed):
    order = buy(shopper, ("20.00", 1))
    with committed():
        order.set_status("Being processed")
    assert account(shopper).pending == 20
    complete(order, committed)
    assert (account(shopper).balance, account(shopper).pending) == (20, 0)
    earned = [m for m in mail.outbox if "You earned 20 points" in m.subject]
    assert len(earned) == 1 and order.number in earned[0].body


def test_owner_can_confirm_at_another_status(shopper, program, buy, committed):
    program(confirm_status="Shipped")
    order = buy(shopper, ("20.00", 1))
    with committed():
        order.set_status("Being processed")
        order.set_status("Shipped")
    assert account(shopper).balance == 20


def test_pending_points_confirm_after_the_returns_window(shopper, program, buy):
    program(confirm_after_days=14)
    order = buy(shopper, ("20.00", 1))
    assert services.confirm_due(now=timezone.now() + timedelta(days=13)) == 0
    assert services.confirm_due(now=timezone.now() + timedelta(days=15)) == 1
    assert account(shopper).balance == 20
    assert services.confirm_due(now=timezone.now() + timedelta(days=16)) == 0
    assert LedgerEntry.objects.filter(order=order, kind=Kind.CONFIRM).count() == 1


def test_orders_already_at_the_confirm_status_are_confirmed_when_awarded(shopper, program):
    order = create_purchase(shopper, [(create_product(price="15.00"), 1)])
    get_model("order", "Order").objects.filter(pk=order.pk).update(status="Complete")
    tasks.award_order.apply(args=[order.pk])
    assert (account(shopper).balance, account(shopper).pending) == (15, 0)


# -- cancellation and refunds -----------------------------------------------------------------


def test_cancelling_an_order_reverses_its_points_and_returns_points_spent(
    shopper, program, buy, committed
):
    facade.award(shopper, 500, key="fund", reason="x", confirm=True)
    order = buy(shopper, ("30.00", 1))
    facade.redeem(shopper, 200, key="spent-on-order", order=order)
    with committed():
        order.set_status("Cancelled")
    assert (account(shopper).balance, account(shopper).pending) == (500, 0)
    kinds = list(LedgerEntry.objects.filter(order=order).values_list("kind", "points", "pending"))
    assert (Kind.REVERSE, 0, -30) in kinds and (Kind.ADJUST, 200, 0) in kinds
    # Cancelled twice (status and a refund event): still once.
    services.cancel_order(order, key="again")
    assert account(shopper).balance == 500
    assert mismatches() == []


def test_a_cancelled_line_reverses_that_line(shopper, program, buy, committed):
    order = buy(shopper, ("10.00", 1), ("25.00", 1))
    cheap, dear = order.lines.order_by("line_price_incl_tax")
    with committed():
        dear.set_status("Cancelled")
    assert account(shopper).pending == 10
    assert LedgerEntry.objects.get(kind=Kind.REVERSE).line == dear


def test_partial_refunds_reverse_line_by_line(shopper, program, buy, committed):
    order = buy(shopper, ("10.00", 3), ("5.00", 1))
    complete(order, committed)
    assert account(shopper).balance == 35
    refund = PaymentEventType.objects.create(name="Refunded")
    triple = order.lines.get(quantity=3)
    handler = EventHandler()
    with committed(), transaction.atomic():
        handler.handle_payment_event(order, refund, D("10.00"), [triple], [1])
    assert account(shopper).balance == 25
    with committed(), transaction.atomic():
        handler.handle_payment_event(order, refund, D("20.00"), [triple], [2])
    assert account(shopper).balance == 5
    # A payment event of another type (a capture) changes nothing.
    paid = PaymentEventType.objects.create(name="Paid")
    with committed(), transaction.atomic():
        handler.handle_payment_event(order, paid, D("35.00"), list(order.lines.all()), [3, 1])
    assert account(shopper).balance == 5
    assert LedgerEntry.objects.filter(kind=Kind.REVERSE).count() == 2
    assert mismatches() == []


def test_a_refund_of_the_whole_order_without_lines_reverses_everything(
    shopper, program, buy, committed
):
    order = buy(shopper, ("10.00", 2))
    refund = PaymentEventType.objects.create(name="Refund")
    with committed():
        EventHandler().handle_payment_event(order, refund, order.total_incl_tax)
    assert account(shopper).pending == 0


# -- tiers ------------------------------------------------------------------------------------


def test_tiers_by_rolling_spend_with_multipliers_and_email(shopper, program, tiers, buy, committed):
    first = buy(shopper, ("120.00", 1))
    complete(first, committed)
    assert account(shopper).tier == tiers["silver"]
    assert any("Welcome to Silver" in m.subject for m in mail.outbox)
    big = buy(shopper, ("400.00", 1))
    assert account(shopper).tier == tiers["gold"]  # 520 in the last year
    assert LedgerEntry.objects.get(order=big).pending == 400  # placed while Silver (×1)
    third = buy(shopper, ("10.00", 1))
    assert LedgerEntry.objects.get(order=third).pending == 15  # Gold: ×1.5
    # A year later the window has rolled past those orders.
    services.review_tiers(at=timezone.now() + timedelta(days=366))
    assert account(shopper).tier is None


def test_tiers_by_points_earned(shopper, program, tiers, buy):
    program(tier_basis="points", points_per_unit=D("10"))
    buy(shopper, ("12.00", 1))
    assert account(shopper).tier == tiers["silver"]  # 120 points


# -- bonuses and referrals ------------------------------------------------------------------


def register(client, email, committed, referral=None):
    if referral:
        client.get(f"/ecrm/loyalty/r/{referral}/")
    with committed():
        response = client.post(
            "/accounts/login/",
            {
                "registration-email": email,
                "registration-password1": "a-good-Passw0rd",
                "registration-password2": "a-good-Passw0rd",
                "registration_submit": "Register",
            },
        )
    assert response.status_code == 302, response.content[:500]
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(email=email)


def test_registration_bonus_through_oscars_registration(client, program, committed):
    program(registration_points=50)
    user = register(client, "new@example.com", committed)
    assert account(user).balance == 50
    assert LedgerEntry.objects.get(kind=Kind.EARN_PENDING).reason == "Welcome bonus"


def test_referral_rewarded_once_after_the_first_confirmed_order(
    client, shopper, program, buy, committed
):
    program(referral_points=100, referred_points=20, first_order_points=5)
    code = facade.lock_account(shopper).referral_code
    friend = register(client, "friend@example.com", committed, referral=code)
    referral = Referral.objects.get(referred=friend)
    assert referral.referrer == shopper and referral.rewarded_at is None
    first = buy(friend, ("10.00", 1))
    assert account(shopper).balance == 0  # not before the order is confirmed
    complete(first, committed)
    assert account(shopper).balance == 100
    assert account(friend).balance == 10 + 20 + 5
    second = buy(friend, ("10.00", 1))
    complete(second, committed)
    assert account(shopper).balance == 100  # one reward per referred customer
    assert account(friend).balance == 35 + 10


def test_referral_fraud_checks(shopper, program):
    code = facade.lock_account(shopper).referral_code
    assert services.record_referral(shopper, code) is None  # self-referral
    twin = create_customer(email=shopper.email.replace("@", "+twin@"))
    assert services.record_referral(twin, code) is None  # the same mailbox
    assert services.record_referral(create_customer(), "no-such-code") is None
    buyer = create_customer()
    create_purchase(buyer)
    assert services.record_referral(buyer, code) is None  # not a new customer
    newcomer = create_customer()
    assert services.record_referral(newcomer, code) is not None
    assert services.record_referral(newcomer, code) is None  # referred only once
    assert Referral.objects.count() == 1


def test_birthday_bonus_once_a_year(shopper, program):
    program(birthday_points=25)
    facade.set_birthday(shopper, date(1992, 2, 29))
    assert services.birthday_bonuses(date(2027, 2, 27)) == 0
    assert services.birthday_bonuses(date(2027, 2, 28)) == 1  # not a leap year
    assert services.birthday_bonuses(date(2027, 2, 28)) == 0
    assert services.birthday_bonuses(date(2028, 2, 29)) == 1
    assert account(shopper).balance == 50


def test_review_bonus_when_approved(shopper, program, committed):
    program(review_points=10)
    ProductReview = get_model("reviews", "ProductReview")
    with committed():
        review = ProductReview.objects.create(
            product=create_product(), user=shopper, score=5, title="Great", body="Lovely mug",
            status=ProductReview.FOR_MODERATION,
        )  # fmt: skip
    assert not LoyaltyAccount.objects.filter(user=shopper).exists()
    with committed():
        review.status = ProductReview.APPROVED
        review.save()
        review.save()  # saved again: still one bonus
    assert account(shopper).balance == 10


# -- expiry -------------------------------------------------------------------------------------


def test_points_expire_by_age_fifo_with_a_warning_first(shopper, program):
    program(expiry="age", expiry_months=12, expiry_warning_days=30)
    now = timezone.now()
    facade.award(shopper, 100, key="old", reason="x", confirm=True, at=now - timedelta(days=350))
    facade.award(shopper, 40, key="new", reason="x", confirm=True, at=now - timedelta(days=10))
    done = services.expire_points(now)
    assert done == {"expired_accounts": 0, "expired_points": 0, "warned": 1}
    warning = mail.outbox[-1]
    assert "100 points expire soon" in warning.subject
    assert services.expire_points(now + timedelta(days=1))["warned"] == 0  # warned once
    done = services.expire_points(now + timedelta(days=20))
    assert done["expired_points"] == 100 and account(shopper).balance == 40


def test_points_expire_after_inactivity(shopper, program):
    program(expiry="inactivity", expiry_months=6, expiry_warning_days=14)
    then = timezone.now() - timedelta(days=200)
    facade.award(shopper, 70, key="a", reason="x", confirm=True, at=then)
    done = services.expire_points(timezone.now())
    assert done["expired_points"] == 70 and account(shopper).balance == 0


def test_expiry_off_by_default(shopper, program):
    facade.award(
        shopper, 70, key="a", reason="x", confirm=True, at=timezone.now() - timedelta(days=2000)
    )
    assert services.expire_points()["expired_points"] == 0


# -- emails are owner-editable --------------------------------------------------------------


def test_email_types_appear_in_the_dashboard_and_the_owners_text_wins(shopper, program):
    CommunicationEventType = get_model("communication", "CommunicationEventType")
    assert emails.ensure_event_types() == 4
    assert emails.ensure_event_types() == 0
    CommunicationEventType.objects.filter(code=emails.POINTS_EARNED).update(
        email_subject_template="Ka-ching! {{ points }} points"
    )
    services.award_bonus(shopper, 7, key="b", reason="test")
    assert mail.outbox[-1].subject == "Ka-ching! 7 points"


def test_no_emails_when_the_owner_turns_them_off(shopper, program):
    program(send_emails=False)
    services.award_bonus(shopper, 7, key="b", reason="test")
    assert mail.outbox == []

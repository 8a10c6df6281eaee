"""Personal coupons and the owner's loyalty dashboard."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from oscar.core.loading import get_model

from ecrm_oscar.loyalty import coupons, facade
from ecrm_oscar.loyalty.models import (
    CouponCampaign,
    Kind,
    LedgerEntry,
    LoyaltyAccount,
    PersonalCoupon,
    ProgramSettings,
    Tier,
)
from ecrm_oscar.testing.factories import create_customer, create_product

pytestmark = pytest.mark.django_db

D = Decimal
NS = "ecrm:loyalty-dashboard:"


@pytest.fixture
def staff_client(client):
    staff = create_customer(email="owner@example.com", password="pw", is_staff=True)
    client.login(username=staff.username, password="pw")
    client.user = staff
    return client


def gold_members(tiers, count=2):
    members = []
    for _ in range(count):
        user = create_customer()
        facade.set_tier(user, tiers["gold"])
        members.append(user)
    return members


# -- personal coupons -------------------------------------------------------------------------


def test_campaign_issues_unique_single_use_vouchers_to_its_target_and_emails_them(
    program, tiers, committed
):
    gold = gold_members(tiers)
    create_customer()  # not Gold: gets nothing
    campaign = CouponCampaign.objects.create(
        name="Gold thank-you", description="10% off, on us.", target=f"tier:{tiers['gold'].pk}",
        kind="Percentage", value=D("10"), valid_days=14,
    )  # fmt: skip
    with committed():
        assert coupons.issue(campaign) == 2
    issued = PersonalCoupon.objects.filter(campaign=campaign)
    assert sorted(c.user_id for c in issued) == sorted(u.pk for u in gold)
    codes = {c.voucher.code for c in issued}
    assert len(codes) == 2 and all(code.startswith("LOYAL-") for code in codes)
    Voucher = get_model("voucher", "Voucher")
    assert {c.voucher.usage for c in issued} == {Voucher.SINGLE_USE}
    assert all(c.voucher.offers.get() == campaign.offer for c in issued)
    sent = [m for m in mail.outbox if "Your personal coupon: Gold thank-you" in m.subject]
    assert len(sent) == 2 and any(code in sent[0].body for code in codes)
    assert all(c.emailed_at for c in PersonalCoupon.objects.all())
    # Issuing again reaches only newcomers to the target.
    with committed():
        assert coupons.issue(campaign) == 0
        gold_members(tiers, 1)
        assert coupons.issue(campaign) == 1
    assert len([m for m in mail.outbox if "personal coupon" in m.subject]) == 3


def test_a_coupon_works_for_its_owner_only_and_once(client, program, tiers, committed):
    owner = create_customer(password="pw")
    facade.set_tier(owner, tiers["gold"])
    campaign = CouponCampaign.objects.create(
        name="Fiver", target=f"tier:{tiers['gold'].pk}", kind="Absolute", value=D("5"),
        min_basket=D("20"),
    )  # fmt: skip
    coupons.issue(campaign)
    code = PersonalCoupon.objects.get(user=owner).voucher.code
    product = create_product(price="30.00")

    def try_code(user):
        client.logout()
        client.login(username=user.username, password="pw")
        client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1})
        response = client.post(reverse("basket:vouchers-add"), {"code": code}, follow=True)
        return response.content.decode()

    stranger = create_customer(password="pw")
    assert "does not qualify" in try_code(stranger)
    assert "added to basket" in try_code(owner)
    basket = get_model("basket", "Basket").objects.get(owner=owner, status="Open")
    assert [v.code for v in basket.vouchers.all()] == [code]
    summary = client.get(reverse("basket:summary")).content.decode()
    assert f"({code})" in summary and "-£5.00" in summary
    # In the account page until used.
    page = client.get(reverse("ecrm:loyalty-account")).content.decode()
    assert code in page and "Fiver" in page
    # Used once (an order through Oscar, which records the voucher's use): gone, and no more.
    from oscar.apps.offer.applicator import Applicator
    from oscar.apps.partner.strategy import Default
    from oscar.test.factories import create_order

    basket.strategy = Default()
    Applicator().apply(basket, owner)
    order = create_order(basket=basket, user=owner)
    assert order.total_incl_tax == D("25.00")
    assert code not in client.get(reverse("ecrm:loyalty-account")).content.decode()
    assert "This voucher has already been used" in try_code(owner)


def test_segment_targets_are_empty_without_the_customers_app(program):
    assert coupons.target_users("segment:big-spenders").count() == 0
    assert coupons.target_users("nonsense").count() == 0
    assert ("all", "All customers") in coupons.target_choices()


# -- the dashboard ---------------------------------------------------------------------------------


def test_dashboard_is_for_staff_only(client, program):
    response = client.get(reverse(NS + "loyalty-index"))
    assert response.status_code == 302 and "/dashboard/login/" in response["Location"]
    shopper = create_customer(password="pw")
    client.login(username=shopper.username, password="pw")
    assert client.get(reverse(NS + "loyalty-index")).status_code in (302, 403)
    assert client.get(reverse(NS + "loyalty-ledger-export")).status_code in (302, 403)


def test_overview_shows_the_liability_in_currency_and_the_menu_entry(staff_client, program):
    program(point_value=D("0.02"))
    a, b = create_customer(), create_customer()
    facade.award(a, 1000, key="a", reason="x", confirm=True)
    facade.award(b, 500, key="b", reason="x", confirm=True)
    facade.award(b, 300, key="b2", reason="x")  # pending
    from django.utils import timezone

    facade.reserve(b, 200, key="r", amount=D("4"), expires_at=timezone.now())
    html = staff_client.get(reverse(NS + "loyalty-index")).content.decode()
    assert "£30.00" in html  # (1,000 + 500) × £0.02, reserved points included
    assert "1,500 spendable or reserved points" in html
    assert "Plus 300 pending points (£6.00)" in html
    dashboard = staff_client.get(reverse("dashboard:index")).content.decode()
    assert reverse(NS + "loyalty-index") in dashboard and "Loyalty" in dashboard


def test_owner_edits_the_rules_and_finds_the_emails(staff_client, program):
    url = reverse(NS + "loyalty-settings")
    page = staff_client.get(url)
    assert page.status_code == 200
    CommunicationEventType = get_model("communication", "CommunicationEventType")
    assert CommunicationEventType.objects.filter(code__startswith="ECRM_LOYALTY_").count() == 4
    data = {
        name: value for name, value in page.context["form"].initial.items() if value is not None
    }
    data = {k: v for k, v in data.items() if v is not False}
    data.update(points_per_unit="2.5", redeem_step="50", registration_points="25")
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    settings = ProgramSettings.get()
    assert (settings.points_per_unit, settings.redeem_step, settings.registration_points) == (
        D("2.5"), 50, 25,
    )  # fmt: skip
    data["redeem_max_share"] = "150"
    response = staff_client.post(url, data)
    assert response.status_code == 200 and "redeem_max_share" in response.context["form"].errors


def test_owner_manages_tiers(staff_client, program):
    response = staff_client.post(
        reverse(NS + "loyalty-tier-create"),
        {"name": "Platinum", "threshold": "1000", "multiplier": "2", "perks": "Free delivery"},
    )
    assert response.status_code == 302
    tier = Tier.objects.get(name="Platinum")
    assert "Platinum" in staff_client.get(reverse(NS + "loyalty-tier-list")).content.decode()
    staff_client.post(reverse(NS + "loyalty-tier-delete", args=[tier.pk]))
    assert not Tier.objects.exists()


def test_manual_adjustments_need_a_reason_and_are_audited(staff_client, program):
    shopper = create_customer(email="shopper@example.com")
    facade.award(shopper, 100, key="a", reason="x", confirm=True)
    account = LoyaltyAccount.objects.get(user=shopper)
    url = reverse(NS + "loyalty-account-detail", args=[account.pk])
    nonce = staff_client.get(url).context["adjust_form"].initial["nonce"]
    before = LedgerEntry.objects.count()
    for data, error in [
        ({"points": "50", "reason": "  "}, "reason"),
        ({"points": "0", "reason": "x"}, "points"),
        ({"points": "2.5", "reason": "x"}, "points"),
        ({"points": "-500", "reason": "too much"}, "points"),
    ]:
        response = staff_client.post(url, {**data, "nonce": nonce})
        assert response.status_code == 200 and error in response.context["adjust_form"].errors
    assert LedgerEntry.objects.count() == before
    response = staff_client.post(
        url, {"points": "-40", "reason": "Goodwill reversed", "nonce": nonce}
    )
    assert response.status_code == 302
    entry = LedgerEntry.objects.get(kind=Kind.ADJUST)
    assert (entry.points, entry.reason, entry.actor) == (
        -40,
        "Goodwill reversed",
        staff_client.user,
    )
    staff_client.post(url, {"points": "-40", "reason": "Goodwill reversed", "nonce": nonce})
    assert LedgerEntry.objects.filter(kind=Kind.ADJUST).count() == 1  # double submit: once
    html = staff_client.get(url).content.decode()
    assert "Goodwill reversed" in html and "owner@example.com" in html


def test_accounts_are_searchable(staff_client, program):
    for email in ("alice@example.com", "bob@example.com"):
        facade.award(create_customer(email=email), 10, key=email, reason="x")
    html = staff_client.get(reverse(NS + "loyalty-account-list") + "?q=alice").content.decode()
    assert "alice@example.com" in html and "bob@example.com" not in html


def test_ledger_csv_export(staff_client, program):
    shopper = create_customer(email="csv@example.com")
    facade.award(shopper, 100, key="a", reason="Order 1", ref="order:1", confirm=True)
    facade.adjust(shopper, -10, key="adj", reason="Fix, with a comma", actor=staff_client.user)
    response = staff_client.get(reverse(NS + "loyalty-ledger-export"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["kind"], r["points"], r["pending"]) for r in rows] == [
        ("earn_pending", "0", "100"), ("confirm", "100", "-100"), ("adjust", "-10", "0"),
    ]  # fmt: skip
    assert rows[2]["reason"] == "Fix, with a comma" and rows[2]["actor"] == "owner@example.com"
    assert rows[0]["customer"] == "csv@example.com"
    other = LoyaltyAccount.objects.exclude(user=shopper).values_list("pk", flat=True).first()
    url = reverse(NS + "loyalty-ledger-export") + f"?account={other or 0}"
    assert len(b"".join(staff_client.get(url).streaming_content).splitlines()) == 1


def test_owner_creates_a_campaign_and_issues_it(staff_client, program, tiers, committed):
    members = gold_members(tiers)
    response = staff_client.post(
        reverse(NS + "loyalty-campaign-create"),
        {"name": "Spring", "description": "", "target": f"tier:{tiers['gold'].pk}",
         "kind": "Percentage", "value": "15", "min_basket": "0", "valid_days": "30"},
    )  # fmt: skip
    assert response.status_code == 302
    campaign = CouponCampaign.objects.get(name="Spring")
    detail = staff_client.get(response["Location"]).content.decode()
    assert 'id="ecrm-campaign-waiting">2<' in detail
    with committed():
        staff_client.post(reverse(NS + "loyalty-campaign-detail", args=[campaign.pk]))
    assert PersonalCoupon.objects.filter(campaign=campaign).count() == len(members)
    bad = staff_client.post(
        reverse(NS + "loyalty-campaign-create"),
        {"name": "Too much", "target": "all", "kind": "Percentage", "value": "150",
         "min_basket": "0", "valid_days": "30"},
    )  # fmt: skip
    assert bad.status_code == 200 and "value" in bad.context["form"].errors

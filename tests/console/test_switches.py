"""Per-site capability switches: effective at once, and a switched-off capability leaves no
trace in the storefront and records nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from ecrm_oscar.dashboard import switches
from ecrm_oscar.dashboard.models import SiteSettings
from ecrm_oscar.testing.factories import create_customer, create_product, create_purchase
from ecrm_oscar.tracking.models import Event
from tests.console.conftest import staff_with

pytestmark = pytest.mark.django_db

SETTINGS = reverse("ecrm:dashboard:ecrm-settings")


def test_everything_is_on_without_a_row_and_answers_are_cached(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert all(switches.is_enabled(name) for name in switches.CAPABILITIES)
    with django_assert_num_queries(0):
        assert switches.is_enabled("loyalty")
    with pytest.raises(ValueError, match="Unknown eCRM capability"):
        switches.is_enabled("telepathy")


def test_a_save_takes_effect_immediately_in_this_and_other_processes(switch, settings):
    assert switches.is_enabled("recommendations")
    row = switch(recommendations_enabled=False)
    assert not switches.is_enabled("recommendations")
    # another process: its local copy is gone after ECRM_SWITCHES_LOCAL_SECONDS, and the
    # shared cache was cleared by the save, so it reads the new row
    switches._local.clear()
    assert not switches.is_enabled("recommendations")
    row.recommendations_enabled = True
    row.save()
    assert switches.is_enabled("recommendations")
    row.delete()
    assert switches.is_enabled("recommendations")


def test_another_process_save_applies_to_the_next_request(switch, client, settings):
    """Another process saved (its signal cleared only the shared cache): this process's
    copy is dropped when the next request starts, whatever ECRM_SWITCHES_LOCAL_SECONDS."""
    settings.ECRM_SWITCHES_LOCAL_SECONDS = 3600
    row = switch(recommendations_enabled=True)
    assert switches.is_enabled("recommendations")  # now held in this process
    SiteSettings.objects.filter(pk=row.pk).update(recommendations_enabled=False)  # no signal
    switches.cache.delete(switches.CACHE_KEY.format(site_id=row.site_id))  # as its save does
    assert switches.is_enabled("recommendations")  # mid-request: the copy still holds
    client.get("/")
    assert not switches.is_enabled("recommendations")


def test_a_task_starts_with_the_shared_answer(switch, settings):
    from celery.signals import task_prerun

    settings.ECRM_SWITCHES_LOCAL_SECONDS = 3600
    row = switch(loyalty_enabled=True)
    assert switches.is_enabled("loyalty")
    SiteSettings.objects.filter(pk=row.pk).update(loyalty_enabled=False)
    switches.cache.delete(switches.CACHE_KEY.format(site_id=row.site_id))
    task_prerun.send(sender=None, task_id="t", task=None, args=(), kwargs={})
    assert not switches.is_enabled("loyalty")


def test_tracking_off_records_no_event(switch, shopper):
    product = create_product("Lamp")
    switch(tracking_enabled=False)
    response = shopper.get(product.get_absolute_url())
    assert response.status_code == 200
    assert not Event.objects.exists()
    assert "ecrm_vid" not in response.cookies  # no visitor cookie either
    switch(tracking_enabled=True)
    shopper.get(product.get_absolute_url())
    assert Event.objects.filter(type="product_viewed", product=product).count() == 1


def test_tracking_mode_chosen_by_the_owner(switch, shopper, settings):
    from ecrm_oscar.tracking import gate

    settings.ECRM_TRACKING_MODE = "all"
    switch(tracking_mode="consent")
    assert gate.mode() == "consent"
    product = create_product()
    shopper.get(product.get_absolute_url())
    assert not Event.objects.exists()  # no consent cookie: not recorded
    switch(tracking_mode="")
    assert gate.mode() == "all"


def test_retention_days_chosen_by_the_owner(switch):
    from ecrm_oscar.tracking import capture, services

    old = timezone.now() - timedelta(days=40)
    capture.record("searched", query="lamp", visitor_id="v1", created_at=old)
    assert services.purge_expired_events(mode="purge", dry_run=True).days == 395
    switch(tracking_retention_days=30)
    result = services.purge_expired_events(mode="purge")
    assert result.days == 30 and result.events == 1
    assert not Event.objects.exists()


def test_recommendations_off_render_nothing_and_the_endpoint_is_gone(switch, client):
    from ecrm_oscar.recommendations.training import train_all

    mug, plate = create_product("Mug"), create_product("Plate")
    for _ in range(3):
        create_purchase(create_customer(), [(mug, 1), (plate, 1)])
    train_all()
    template = Template(
        "{% load ecrm_recommendations %}{% ecrm_also_bought product 6 %}"
        "{% ecrm_trending %}{% ecrm_recommended_for_you 6 %}"
    )
    context = {"product": plate, "request": RequestFactory().get("/")}
    assert "Mug" in template.render(Context(context))
    assert client.get("/ecrm/recommendations/trending/").status_code == 200
    switch(recommendations_enabled=False)
    html = template.render(Context(context))
    assert html.strip() == ""
    assert client.get("/ecrm/recommendations/trending/").status_code == 404
    assert client.get("/ecrm/recommendations/for-you/").status_code == 404
    assert b"ecrm-recommendations" not in client.get(plate.get_absolute_url()).content


def test_include_purchased_chosen_by_the_owner(switch, settings):
    from ecrm_oscar.dashboard.switches import owner_value

    settings.ECRM_RECOMMENDATION_INCLUDE_PURCHASED = True
    assert owner_value("recommendations_include_purchased", "ECRM_RECOMMENDATION_INCLUDE_PURCHASED")
    switch(recommendations_include_purchased=False)
    assert not owner_value(
        "recommendations_include_purchased", "ECRM_RECOMMENDATION_INCLUDE_PURCHASED"
    )


def test_loyalty_off_hides_every_piece_and_awards_nothing(
    switch, django_capture_on_commit_callbacks
):
    from ecrm_oscar.loyalty.models import LedgerEntry, ProgramSettings

    ProgramSettings().save()
    user = create_customer(email="member@example.com", password="pw")
    client = Client(HTTP_USER_AGENT="Mozilla/5.0")
    client.login(username=user.username, password="pw")
    badge = Template("{% load ecrm_loyalty %}{% loyalty_badge %}{% loyalty_account_tab %}")
    assert "ecrm-loyalty-badge" in badge.render(Context({}))
    switch(loyalty_enabled=False)
    assert badge.render(Context({})).strip() == ""
    assert client.get(reverse("ecrm:loyalty-badge")).content == b""
    assert client.get(reverse("ecrm:loyalty-widget")).content == b""
    assert client.get(reverse("ecrm:loyalty-account")).status_code == 404
    assert b"ecrm-loyalty-badge" not in client.get("/").content
    with django_capture_on_commit_callbacks(execute=True):
        create_purchase(user, [(create_product(price="150.00"), 1)])
    assert not LedgerEntry.objects.exists()
    response = client.post(reverse("ecrm:loyalty-redeem"), {"action": "apply", "points": "100"})
    assert response.status_code == 302
    switch(loyalty_enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        create_purchase(user, [(create_product(price="150.00"), 1)])
    assert LedgerEntry.objects.exists()


def test_customers_off_keeps_no_profile(switch, django_capture_on_commit_callbacks):
    from ecrm_oscar.customers.models import CustomerProfile

    user = create_customer()
    switch(customers_enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        create_purchase(user, [(create_product(), 1)])
    assert not CustomerProfile.objects.filter(user=user).exists()
    switch(customers_enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        create_purchase(user, [(create_product(), 1)])
    assert CustomerProfile.objects.get(user=user).orders_count == 2


def test_switch_template_tag():
    template = Template('{% load ecrm_switches %}{% ecrm_enabled "loyalty" as on %}{{ on }}')
    assert template.render(Context({})) == "True"


# -- the settings page ---------------------------------------------------------------------


def test_settings_page_needs_staff_with_the_permission(client):
    assert client.get(SETTINGS).status_code == 302  # anonymous: to the login page
    shopper = create_customer("shopper@example.com")
    client.force_login(shopper)
    assert client.get(SETTINGS).status_code == 403  # logged in, not staff
    client.force_login(staff_with(email="plain-staff@example.com"))
    assert client.get(SETTINGS).status_code == 403
    client.force_login(staff_with("ecrm_dashboard.manage_switches"))
    assert client.get(SETTINGS).status_code == 200


def test_saving_the_form_switches_at_once_and_needs_csrf():
    owner = staff_with("ecrm_dashboard.manage_switches")
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    data = {
        "tracking_enabled": "on",
        "customers_enabled": "on",
        "loyalty_enabled": "on",
        "automation_enabled": "on",
        "help_assistant_enabled": "on",
        "tracking_mode": "consent",
        "tracking_retention_days": "90",
        "recommendations_include_purchased": "0",
    }
    assert client.post(SETTINGS, data).status_code == 403  # no CSRF token
    page = client.get(SETTINGS)
    token = page.cookies["csrftoken"].value
    response = client.post(SETTINGS, {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert not switches.is_enabled("recommendations")  # unticked: off
    assert switches.is_enabled("tracking")
    row = SiteSettings.objects.get()
    assert (row.tracking_mode, row.tracking_retention_days) == ("consent", 90)
    assert row.recommendations_include_purchased is False
    bad = client.post(
        SETTINGS, {**data, "tracking_retention_days": "-5", "csrfmiddlewaretoken": token}
    )
    assert bad.status_code == 200 and SiteSettings.objects.get().tracking_retention_days == 90

"""Triggers, scans and sending: at most once, consent, cap, quiet hours, hold-out, errors."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from oscar.core.loading import get_model

from ecrm_oscar.automation import services, tasks
from ecrm_oscar.automation.abstract_models import FlowKind, MessageStatus
from ecrm_oscar.automation.models import Flow, FlowStep, Message
from ecrm_oscar.privacy.services import record_consent
from ecrm_oscar.testing.factories import create_customer, create_product, create_purchase
from tests.automation.conftest import consenting_customer, open_basket

pytestmark = pytest.mark.django_db


def send_all() -> list[str]:
    return [services.send_message(pk) for pk in services.due_message_ids()]


def test_setup_command_is_idempotent_and_keeps_owner_edits():
    call_command("ecrm_automation_setup")
    assert Flow.objects.count() == 6
    assert not Flow.objects.filter(enabled=True).exists()  # flows start switched off
    FlowStep.objects.filter(code="ECRM_AUTOMATION_BASKET_1").update(delay_hours=2)
    call_command("ecrm_automation_setup", "--enable")
    assert Flow.objects.count() == 6 and FlowStep.objects.count() == 8
    assert FlowStep.objects.get(code="ECRM_AUTOMATION_BASKET_1").delay_hours == 2
    assert Flow.objects.filter(enabled=True).count() == 6
    CommunicationEventType = get_model("communication", "CommunicationEventType")
    assert CommunicationEventType.objects.filter(code__startswith="ECRM_AUTOMATION_").count() == 8


def test_abandoned_basket_reminder_sent_once_with_items_links_and_headers(flows):
    ann = consenting_customer(first_name="Ann")
    product = create_product(title="Blue teapot", price="12.00")
    open_basket(ann, [product])

    assert services.scan_abandoned_baskets() == 1
    assert services.scan_abandoned_baskets() == 0  # the message exists: not offered again
    assert send_all() == ["sent"]
    assert send_all() == []
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [ann.email]
    assert email.subject == "You left something in your basket"
    html = email.alternatives[0][0]
    assert "Blue teapot" in html and "Hello Ann" in html
    assert "/ecrm/a/c/" in html and "/ecrm/a/o/" in html  # tracked links and pixel
    assert email.extra_headers["List-Unsubscribe"].startswith("<http://testserver/ecrm/a/u/")
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "&amp;" not in email.body  # the text part is not HTML-escaped
    message = Message.objects.get()
    assert message.status == MessageStatus.SENT and message.sent_at is not None


def test_basket_not_yet_idle_or_of_unknown_shopper_is_ignored(flows):
    open_basket(consenting_customer(), idle=timedelta(hours=1))
    open_basket(None, idle=timedelta(hours=9))  # anonymous: nobody to write to
    assert services.scan_abandoned_baskets() == 0


def test_second_reminder_only_after_the_first_and_its_delay(flows, settings):
    settings.ECRM_AUTOMATION_FREQUENCY_CAP_HOURS = 0
    ann = consenting_customer()
    basket = open_basket(ann, idle=timedelta(hours=5))
    services.scan_abandoned_baskets()
    assert Message.objects.count() == 1
    Line = get_model("basket", "Line")
    Line.objects.filter(basket=basket).update(date_updated=timezone.now() - timedelta(hours=25))
    services.scan_abandoned_baskets()
    assert sorted(Message.objects.values_list("step__position", flat=True)) == [1, 2]
    assert send_all() == ["sent", "sent"]
    assert [m.subject for m in mail.outbox] == [
        "You left something in your basket",
        "Still thinking it over?",
    ]


def test_ordering_stops_the_reminders(flows, django_capture_on_commit_callbacks):
    ann = consenting_customer()
    basket = open_basket(ann)
    services.scan_abandoned_baskets()
    basket.submit()  # ordered (Oscar submits the basket)
    with django_capture_on_commit_callbacks(execute=True):
        create_purchase(ann, [(create_product(), 1)])
    assert Message.objects.get().status == MessageStatus.CANCELLED
    assert send_all() == []
    assert services.scan_abandoned_baskets() == 0
    assert mail.outbox == []


def test_no_consent_means_no_message_and_withdrawn_consent_stops_a_queued_one(flows):
    open_basket(create_customer())  # never consented (marketing is opt-in)
    assert services.scan_abandoned_baskets() == 0
    bob = consenting_customer()
    open_basket(bob)
    services.scan_abandoned_baskets()
    record_consent("marketing_email", False, source="preferences", user=bob)
    assert send_all() == [MessageStatus.CANCELLED]
    assert Message.objects.get().error == "no marketing consent"
    assert mail.outbox == []


def test_send_is_at_most_once_when_retried_or_interrupted(flows):
    open_basket(consenting_customer())
    services.scan_abandoned_baskets()
    message = Message.objects.get()
    assert tasks.send.apply(args=[message.pk]).get() == "sent"
    assert tasks.send.apply(args=[message.pk]).get() == "not queued"  # a retry
    assert len(mail.outbox) == 1

    # A worker that died after claiming (status "sending") never sends it again.
    open_basket(consenting_customer())
    services.scan_abandoned_baskets()
    claimed = Message.objects.get(status=MessageStatus.QUEUED)
    Message.objects.filter(pk=claimed.pk).update(
        status=MessageStatus.SENDING, claimed_at=timezone.now() - timedelta(hours=2)
    )
    assert services.send_message(claimed.pk) == "not queued"
    assert services.release_stale() == 1
    claimed.refresh_from_db()
    assert claimed.status == MessageStatus.FAILED
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_marks_the_message_failed_not_resent(flows):
    open_basket(consenting_customer())
    services.scan_abandoned_baskets()
    message = Message.objects.get()
    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=OSError("SMTP down"),
    ):
        assert services.send_message(message.pk) == MessageStatus.FAILED
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and "SMTP down" in message.error
    assert services.send_message(message.pk) == "not queued"


def test_frequency_cap_postpones_across_flows(flows):
    ann = consenting_customer()
    open_basket(ann)
    services.scan_abandoned_baskets()
    assert send_all() == ["sent"]
    services.trigger_welcome(ann.pk)
    assert send_all() == ["postponed"]
    welcome = Message.objects.get(flow__kind=FlowKind.WELCOME, step__position=1)
    assert welcome.status == MessageStatus.QUEUED
    assert welcome.scheduled_at > timezone.now() + timedelta(hours=15)
    later = welcome.scheduled_at + timedelta(minutes=1)
    assert services.send_message(welcome.pk, now=later) == "sent"
    assert len(mail.outbox) == 2


def test_quiet_hours_postpone_to_their_end_in_the_shop_time_zone(flows, settings):
    settings.ECRM_AUTOMATION_QUIET_HOURS = (21, 8)
    london = ZoneInfo(settings.TIME_ZONE)
    open_basket(consenting_customer())
    services.scan_abandoned_baskets()
    message = Message.objects.get()
    tomorrow = timezone.localtime(timezone.now(), london).date() + timedelta(days=1)
    night = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 23, 30, tzinfo=london)
    assert services.send_message(message.pk, now=night) == "postponed"
    message.refresh_from_db()
    after = tomorrow + timedelta(days=1)
    assert message.scheduled_at == datetime(after.year, after.month, after.day, 8, tzinfo=london)
    assert services.send_message(message.pk, now=message.scheduled_at) == "sent"


def test_holdout_group_gets_no_email_but_is_logged(flows):
    flow = flows[FlowKind.ABANDONED_BASKET]
    flow.holdout_percent = 50
    flow.save()
    for _ in range(30):
        open_basket(consenting_customer())
    services.scan_abandoned_baskets()
    held = Message.objects.filter(status=MessageStatus.HELD_OUT).count()
    assert 0 < held < 30
    send_all()
    assert len(mail.outbox) == 30 - held


def test_template_error_pauses_the_flow_and_sends_nothing(flows):
    CommunicationEventType = get_model("communication", "CommunicationEventType")
    CommunicationEventType.objects.filter(code="ECRM_AUTOMATION_BASKET_1").update(
        email_subject_template="Your basket", email_body_template="{% if %}broken"
    )
    open_basket(consenting_customer())
    services.scan_abandoned_baskets()
    assert send_all() == ["paused"]
    flow = Flow.objects.get(kind=FlowKind.ABANDONED_BASKET)
    assert flow.paused_at is not None and "ECRM_AUTOMATION_BASKET_1" in flow.pause_reason
    message = Message.objects.get()
    assert message.status == MessageStatus.QUEUED and message.sent_at is None
    assert mail.outbox == []
    assert services.scan_abandoned_baskets() == 0  # a paused flow triggers nothing
    # Fixed and resumed: the waiting message goes out.
    CommunicationEventType.objects.filter(code="ECRM_AUTOMATION_BASKET_1").update(
        email_body_template="Hello {{ email }}"
    )
    Flow.objects.filter(pk=flow.pk).update(paused_at=None, pause_reason="")
    assert send_all() == ["sent"]


def test_a_template_rendering_empty_pauses_too(flows):
    CommunicationEventType = get_model("communication", "CommunicationEventType")
    CommunicationEventType.objects.filter(code="ECRM_AUTOMATION_BASKET_1").update(
        email_subject_template="  ", email_body_template="x"
    )
    open_basket(consenting_customer())
    services.scan_abandoned_baskets()
    assert send_all() == ["paused"]
    assert mail.outbox == []


def test_invalid_email_address_fails_without_sending(flows):
    user = consenting_customer()
    open_basket(user)
    services.scan_abandoned_baskets()
    Message.objects.update(email="not-an-address")
    assert send_all() == [MessageStatus.FAILED]
    assert "invalid email address" in Message.objects.get().error
    assert mail.outbox == []


def test_basket_whose_products_were_deleted_is_not_reminded(flows):
    product = create_product()
    open_basket(consenting_customer(), [product])
    services.scan_abandoned_baskets()
    product.delete()  # Oscar deletes the basket lines with it
    assert send_all() == [MessageStatus.CANCELLED]
    assert "empty" in Message.objects.get().error
    assert mail.outbox == []


def test_incentive_creates_a_single_use_expiring_voucher(flows, settings):
    settings.ECRM_AUTOMATION_FREQUENCY_CAP_HOURS = 0
    flow = flows[FlowKind.ABANDONED_BASKET]
    flow.incentive = "Percentage"
    flow.incentive_value = 10
    flow.incentive_valid_days = 3
    flow.save()
    basket = open_basket(consenting_customer())
    services.scan_abandoned_baskets()
    get_model("basket", "Line").objects.filter(basket=basket).update(
        date_updated=timezone.now() - timedelta(hours=30)
    )
    services.scan_abandoned_baskets()
    send_all()
    second = Message.objects.get(step__position=2)
    Voucher = get_model("voucher", "Voucher")
    voucher = Voucher.objects.get(code=second.voucher_code)
    assert voucher.usage == Voucher.SINGLE_USE
    assert voucher.end_datetime - voucher.start_datetime == timedelta(days=3)
    assert voucher.offers.get().benefit.value == 10
    assert second.voucher_code in mail.outbox[1].body
    assert Message.objects.get(step__position=1).voucher_code == ""  # step 1 has none


def test_switched_off_automation_does_nothing(flows, settings):
    open_basket(consenting_customer())
    settings.ECRM_AUTOMATION_ENABLED = False
    assert services.scan_abandoned_baskets() == 0
    settings.ECRM_AUTOMATION_ENABLED = True
    services.scan_abandoned_baskets()
    settings.ECRM_AUTOMATION_ENABLED = False
    assert services.send_message(Message.objects.get().pk) == "disabled"
    assert mail.outbox == []


def test_switched_off_flow_cancels_its_queued_messages(flows):
    open_basket(consenting_customer())
    services.scan_abandoned_baskets()
    Flow.objects.filter(kind=FlowKind.ABANDONED_BASKET).update(enabled=False)
    message = Message.objects.get()
    assert services.send_message(message.pk) == MessageStatus.CANCELLED


def test_welcome_series_on_registration(flows, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/login/",
            {
                "registration-email": "new@example.com",
                "registration-password1": "a-Long-pass-1234",
                "registration-password2": "a-Long-pass-1234",
                "registration_submit": "Register",
            },
        )
    assert response.status_code == 302
    welcome = Message.objects.filter(flow__kind=FlowKind.WELCOME).order_by("step__position")
    assert [m.email for m in welcome] == ["new@example.com"] * 2
    assert welcome[1].scheduled_at - welcome[0].scheduled_at == timedelta(hours=72)
    # No marketing consent yet (opt-in): the first one was due at once and was cancelled
    # when the send task looked at it; nothing was sent.
    assert welcome[0].status == MessageStatus.CANCELLED
    # Oscar's own registration email (transactional) is not ours to hold back.
    assert [m.subject for m in mail.outbox if "Welcome to" in m.subject] == []
    record_consent("marketing_email", True, source="preferences", email="new@example.com")
    Message.objects.filter(pk=welcome[0].pk).update(status=MessageStatus.QUEUED)
    assert services.send_message(welcome[0].pk) == "sent"
    assert "Welcome to" in mail.outbox[-1].subject


def test_birthday_greeting_mentions_loyalty_bonus(flows):
    from ecrm_oscar.loyalty import facade
    from ecrm_oscar.loyalty import services as loyalty

    program = loyalty.program()
    program.birthday_points = 50
    program.save()
    ann = consenting_customer()
    facade.set_birthday(ann, date(1990, 3, 14))
    assert services.scan_birthdays(today=date(2026, 3, 14)) == 1
    assert services.scan_birthdays(today=date(2026, 3, 14)) == 1  # offered, not duplicated
    assert services.scan_birthdays(today=date(2026, 3, 15)) == 0
    assert send_all() == ["sent"]
    assert Message.objects.get().trigger == "birthday:2026"
    assert "50 bonus points" in mail.outbox[0].body


def test_win_back_for_overdue_customers(flows):
    from ecrm_oscar.customers.models import CustomerProfile

    ann = consenting_customer()
    now = timezone.now()
    CustomerProfile.objects.create(
        user=ann,
        orders_count=3,
        last_order_at=now - timedelta(days=90),
        next_order_expected_at=now - timedelta(days=10),
        as_of=now,
    )
    bob = consenting_customer()
    CustomerProfile.objects.create(
        user=bob,
        orders_count=3,
        next_order_expected_at=now + timedelta(days=10),
        as_of=now,
        last_order_at=now - timedelta(days=5),
    )
    assert services.scan_win_back() == 1
    assert send_all() == ["sent"]
    assert mail.outbox[0].to == [ann.email]


def test_post_purchase_survey_after_delivery(flows, settings, django_capture_on_commit_callbacks):
    ann = consenting_customer()
    order = create_purchase(ann, [(create_product(), 1)])
    with django_capture_on_commit_callbacks(execute=True):
        order.set_status("Being processed")
    assert not Message.objects.filter(flow__kind=FlowKind.POST_PURCHASE_SURVEY).exists()
    with django_capture_on_commit_callbacks(execute=True):
        order.set_status("Shipped")
        order.set_status("Complete")
    message = Message.objects.get(flow__kind=FlowKind.POST_PURCHASE_SURVEY)
    assert message.trigger == f"order:{order.number}"
    later = message.scheduled_at + timedelta(minutes=1)
    assert services.send_message(message.pk, now=later) == "sent"
    body = mail.outbox[0].body
    assert body.count("/ecrm/a/s/") == 11  # one link per score 0..10


def test_browse_abandonment(flows):
    from ecrm_oscar.tracking import capture
    from ecrm_oscar.tracking.models import Event

    ann = consenting_customer()
    products = [create_product(title=f"Lamp {n}") for n in range(3)]
    for product in products:
        capture.record("product_viewed", user=ann, product=product)
    Event.objects.filter(user=ann).update(created_at=timezone.now() - timedelta(hours=3))
    bob = consenting_customer()
    for product in products:
        capture.record("product_viewed", user=bob, product=product)
    capture.record("basket_added", user=bob, product=products[0])
    Event.objects.filter(user=bob).update(created_at=timezone.now() - timedelta(hours=3))
    assert services.scan_browse_abandonment() == 1
    assert send_all() == ["sent"]
    assert mail.outbox[0].to == [ann.email]
    assert "Lamp 0" in mail.outbox[0].body


def test_abandoned_basket_scan_queries_are_constant_per_batch(
    flows, settings, django_assert_max_num_queries
):
    settings.ECRM_AUTOMATION_SCAN_BATCH_SIZE = 5
    for _ in range(10):
        open_basket(consenting_customer())
    Message.objects.all().delete()

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.automation_enabled()  # the owner's switches, read once and kept (not per batch)
    with CaptureQueriesContext(connection) as small:
        services.scan_abandoned_baskets()
    Message.objects.all().delete()
    for _ in range(10):
        open_basket(consenting_customer())
    with CaptureQueriesContext(connection) as large:
        services.scan_abandoned_baskets()
    assert Message.objects.count() == 20
    # 10 baskets: 2 batches, 20 baskets: 4 batches; each batch costs the same queries
    # whatever its size. PostgreSQL: ranges of 5 basket ids for each of the flow's 2
    # steps, one INSERT … SELECT each; SQLite: the first step's candidates, two queries
    # (find the batch, INSERT … SELECT).
    if connection.vendor == "postgresql":
        assert (len(large) - len(small)) / (2 * 2) == 1
    else:
        assert (len(large) - len(small)) / 2 == 2


def test_the_owners_automation_switch_stops_scans_and_sends(flows):
    """The eCRM dashboard's "automation" switch (ecrm_oscar.dashboard.switches) is the
    same gate as ECRM_AUTOMATION_ENABLED, effective at once."""
    from django.conf import settings as django_settings

    from ecrm_oscar.dashboard.models import SiteSettings

    open_basket(consenting_customer())
    row = SiteSettings.objects.create(site_id=django_settings.SITE_ID, automation_enabled=False)
    assert not services.automation_enabled()
    assert services.scan_abandoned_baskets() == 0
    row.automation_enabled = True
    row.save()
    assert services.scan_abandoned_baskets() == 1
    row.automation_enabled = False
    row.save()
    assert services.send_message(Message.objects.get().pk) == "disabled"
    assert mail.outbox == []


def test_message_links_follow_on_delete_without_database_constraints(flows):
    """The message log has no database foreign keys (a scan inserts one row per due
    basket); Django's on_delete still keeps it consistent."""
    from django.contrib.auth import get_user_model

    ann = consenting_customer()
    open_basket(ann)
    services.scan_abandoned_baskets()
    message = Message.objects.get(user=ann)
    flow = message.flow

    FlowStep.objects.filter(pk=message.step_id).delete()
    message.refresh_from_db()
    assert message.step_id is None

    get_user_model().objects.filter(pk=ann.pk).delete()
    message.refresh_from_db()
    assert message.user_id is None

    flow.delete()
    assert not Message.objects.filter(pk=message.pk).exists()


def test_a_second_scan_creates_nothing_and_counts_nothing(flows):
    """Existing messages are skipped by the insert's ON CONFLICT (key) (PostgreSQL has no
    separate "no message yet" filter): the count is of rows really inserted."""
    for _ in range(3):
        open_basket(consenting_customer())
    assert services.scan_abandoned_baskets() == 3
    assert services.scan_abandoned_baskets() == 0
    assert Message.objects.count() == 3

"""``manage.py ecrm_automation_run``: the time-based checks now, the due sends queued.

Tasks run inline in this pass, so the queued ``send_due`` sends here; the integration
pass drives the command's tasks through the real worker (tests/integration).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from ecrm_oscar.automation import services
from ecrm_oscar.automation.abstract_models import FlowKind, MessageStatus
from ecrm_oscar.automation.models import Flow, Message
from tests.automation.conftest import consenting_customer, open_basket

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("ecrm_automation_run", *args, stdout=out)
    return out.getvalue()


def hours_until(moment: datetime) -> str:
    return str((moment - timezone.now()).total_seconds() / 3600)


def test_advance_reminds_a_basket_before_its_delay_and_sends_it(flows):
    ann = consenting_customer(first_name="Ann")
    open_basket(ann, idle=timedelta(hours=1))  # the first reminder waits 4 h

    out = run("--flow", "abandoned_basket")
    assert "Abandoned basket: checked, 0 new message(s)" in out
    assert not Message.objects.exists() and mail.outbox == []

    out = run("--flow", "abandoned_basket", "--advance", "5")
    assert "(5 h ahead)" in out
    assert "Abandoned basket: checked, 1 new message(s)" in out
    assert "1 due message(s) sent in this process" in out
    message = Message.objects.get()
    assert message.status == MessageStatus.SENT and message.step.position == 1
    assert [email.to for email in mail.outbox] == [[ann.email]]
    # Running it again sends nothing twice.
    assert "0 due message(s)" in run("--advance", "5")
    assert len(mail.outbox) == 1


def test_flow_option_limits_checks_and_sends_to_those_flows(flows):
    ann = consenting_customer()
    open_basket(ann)
    services.trigger_welcome(consenting_customer().pk)  # its first email is due now

    out = run("--flow", "welcome")
    assert "Abandoned basket" not in out
    assert "Welcome series: no check (an event triggers it), due emails only." in out
    assert "1 due message(s)" in out
    assert [m.flow.kind for m in Message.objects.all()] == [FlowKind.WELCOME] * 2
    assert len(mail.outbox) == 1 and "Welcome" in mail.outbox[0].subject

    out = run("--flow", "abandoned_basket", "--flow", "birthday")
    assert "Abandoned basket: checked, 1 new message(s)" in out
    assert "Birthday greeting: checked, 0 new message(s)" in out
    assert len(mail.outbox) == 2 and mail.outbox[1].to == [ann.email]


def test_switched_off_flows_are_skipped_and_said_so(flows):
    Flow.objects.filter(kind=FlowKind.ABANDONED_BASKET).update(enabled=False)
    open_basket(consenting_customer())
    out = run("--flow", "abandoned_basket", "--advance", "5")
    assert "Abandoned basket: switched off" in out
    assert "nothing to send" in out
    assert not Message.objects.exists()


def test_birthday_check_uses_the_advanced_day(flows):
    from ecrm_oscar.loyalty import facade

    ann = consenting_customer()
    tomorrow = timezone.localdate() + timedelta(days=1)
    facade.set_birthday(ann, date(1992, tomorrow.month, tomorrow.day))  # a leap year
    assert "checked, 0 new message(s)" in run("--flow", "birthday")
    noon = datetime.combine(tomorrow, datetime.min.time(), timezone.get_current_timezone())
    out = run("--flow", "birthday", "--advance", hours_until(noon + timedelta(hours=12)))
    assert "Birthday greeting: checked, 1 new message(s)" in out
    assert Message.objects.get().trigger == f"birthday:{tomorrow.year}"
    assert mail.outbox[0].to == [ann.email]
    # Again: the scan offers the existing message; the command reports no new one.
    out = run("--flow", "birthday", "--advance", hours_until(noon + timedelta(hours=13)))
    assert "Birthday greeting: checked, 0 new message(s)" in out
    assert len(mail.outbox) == 1


def test_frequency_cap_still_holds_with_advance(flows):
    ann = consenting_customer()
    services.trigger_welcome(ann.pk)
    run("--flow", "welcome")  # the first welcome email goes out now
    open_basket(ann, idle=timedelta(hours=1))

    run("--flow", "abandoned_basket", "--advance", "5")  # 5 h later: within the 16 h cap
    reminder = Message.objects.get(flow__kind=FlowKind.ABANDONED_BASKET)
    assert reminder.status == MessageStatus.QUEUED  # postponed, not dropped
    assert reminder.scheduled_at > timezone.now() + timedelta(hours=15)
    assert len(mail.outbox) == 1

    run("--flow", "abandoned_basket", "--advance", "17")  # past the cap
    reminder.refresh_from_db()
    assert reminder.status == MessageStatus.SENT
    assert len(mail.outbox) == 2


def test_quiet_hours_are_judged_at_the_advanced_time(flows, settings):
    settings.ECRM_AUTOMATION_QUIET_HOURS = (21, 8)
    london = ZoneInfo(settings.TIME_ZONE)
    ann = consenting_customer()
    services.trigger_welcome(ann.pk)
    tomorrow = timezone.localtime(timezone.now(), london).date() + timedelta(days=1)
    night = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 23, 30, tzinfo=london)

    out = run("--flow", "welcome", "--advance", hours_until(night))
    assert "Quiet hours at 23:" in out
    welcome = Message.objects.get(step__position=1)
    after = tomorrow + timedelta(days=1)
    assert welcome.status == MessageStatus.QUEUED
    assert welcome.scheduled_at == datetime(after.year, after.month, after.day, 8, tzinfo=london)
    assert mail.outbox == []

    morning = datetime(after.year, after.month, after.day, 9, tzinfo=london)
    out = run("--flow", "welcome", "--advance", hours_until(morning))
    assert "Quiet hours" not in out
    welcome.refresh_from_db()
    assert welcome.status == MessageStatus.SENT and len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--flow", "newsletter"], "Unknown flow 'newsletter'; choose from abandoned_basket"),
        (["--advance", "-1"], "--advance takes a number of hours ≥ 0"),
        (["--advance", "nan"], "--advance takes a number of hours ≥ 0"),
        (["--advance", "1e30"], "too far in the future"),
    ],
)
def test_bad_input_is_refused_before_anything_happens(flows, args, error):
    open_basket(consenting_customer())
    with pytest.raises(CommandError, match=error.replace("(", r"\(")):
        run(*args)
    assert not Message.objects.exists() and mail.outbox == []


def test_bad_advance_that_is_not_a_number_is_refused(flows):
    with pytest.raises(CommandError, match="invalid float value"):
        run("--advance", "soon")


def test_switched_off_automation_is_an_error(flows, settings):
    settings.ECRM_AUTOMATION_ENABLED = False
    open_basket(consenting_customer())
    with pytest.raises(CommandError, match="Automation is switched off"):
        run("--advance", "5")
    assert not Message.objects.exists()

"""merge_visitor, retention (service, task, command), erasure, admin and checks."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from ecrm_oscar.testing.factories import create_customer, create_purchase
from ecrm_oscar.tracking import capture, checks, services, tasks
from ecrm_oscar.tracking import event_types as T
from ecrm_oscar.tracking.models import Event

pytestmark = pytest.mark.django_db

V1, V2 = "1" * 32, "2" * 32


def make(type=T.PAGE_VIEWED, days_ago=0, **fields):
    return capture.record(type, created_at=timezone.now() - timedelta(days=days_ago), **fields)


# --- merge_visitor ---------------------------------------------------------------------


def test_merge_visitor_joins_only_that_visitors_anonymous_events(customer):
    someone_else = create_customer()
    mine = [make(visitor_id=V1) for _ in range(3)]
    already_theirs = make(visitor_id=V1, user=someone_else)
    other_visitor = make(visitor_id=V2)
    assert services.merge_visitor(V1, customer) == 3
    assert services.merge_visitor(V1, customer) == 0  # idempotent
    assert set(Event.objects.filter(user=customer).values_list("pk", flat=True)) == {
        e.pk for e in mine
    }
    assert Event.objects.get(pk=already_theirs.pk).user == someone_else
    assert Event.objects.get(pk=other_visitor.pk).user is None
    assert Event.objects.count() == 5  # nothing copied, nothing lost


def test_merge_visitor_ignores_missing_ids(customer):
    make(visitor_id="")
    assert services.merge_visitor("", customer) == 0
    assert services.merge_visitor(V1, None) == 0
    assert Event.objects.get().user is None


# --- retention -------------------------------------------------------------------------


@pytest.fixture
def history(customer, product):
    order = create_purchase(customer, [(product, 1)])
    old = [
        make(days_ago=400, user=customer, visitor_id=V1, order=order, product=product)
        for _ in range(7)
    ]
    recent = [make(days_ago=10, user=customer, visitor_id=V1) for _ in range(2)]
    return old, recent, order


def test_anonymise_in_batches(history, django_assert_max_num_queries, product):
    old, recent, _order = history
    result = services.purge_expired_events(days=395, mode="anonymise", batch_size=3)
    assert result.events == 7 and "Anonymised 7 events older than 395 days" in str(result)
    for event in Event.objects.filter(pk__in=[e.pk for e in old]):
        assert (event.user, event.visitor_id, event.session_key, event.order) == (
            None,
            "",
            "",
            None,
        )
        assert (event.type, event.product) == (T.PAGE_VIEWED, product)  # statistics stay
    assert Event.objects.filter(pk__in=[e.pk for e in recent], user__isnull=False).count() == 2
    # already anonymised rows are not touched again
    assert services.purge_expired_events(days=395, mode="anonymise").events == 0


def test_purge_in_batches(history, django_assert_max_num_queries):
    old, recent, _order = history
    # 7 rows in batches of 3: 3 reads and 3 deletes (plus savepoints), never a row at a time
    with django_assert_max_num_queries(12) as queries:
        result = services.purge_expired_events(days=395, mode="purge", batch_size=3)
    assert result.events == 7
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 3
    assert set(Event.objects.values_list("pk", flat=True)) >= {e.pk for e in recent}
    assert not Event.objects.filter(pk__in=[e.pk for e in old]).exists()


def test_retention_defaults_come_from_settings(history, settings):
    settings.ECRM_TRACKING_RETENTION_MODE = "purge"
    settings.ECRM_TRACKING_RETENTION_DAYS = 5
    result = tasks.purge()
    assert (result["mode"], result["days"], result["events"]) == ("purge", 5, 9)
    assert tasks.purge()["events"] == 0  # idempotent
    assert [e.type for e in Event.objects.all()] == [T.ORDER_PLACED]  # today's
    settings.ECRM_TRACKING_RETENTION_DAYS = None
    assert services.purge_expired_events().events == 0


def test_the_task_is_registered_and_scheduled(history, settings):
    from sandbox.celery import app

    assert tasks.purge.name == "ecrm.tracking.purge"
    assert "ecrm.tracking.purge" in app.tasks
    schedule = settings.CELERY_BEAT_SCHEDULE["ecrm-tracking-purge"]
    assert schedule["task"] == "ecrm.tracking.purge"
    result = tasks.purge.delay().get()  # eager in the test settings
    assert result["mode"] == "anonymise" and result["days"] == 395 and result["events"] == 7


def test_bad_retention_input():
    with pytest.raises(ValueError, match="mode"):
        services.purge_expired_events(days=3, mode="shred")
    with pytest.raises(ValueError, match="days"):
        services.purge_expired_events(days=0)


def test_management_command(history):
    out = StringIO()
    call_command("ecrm_purge_events", "--dry-run", stdout=out)
    assert "Would anonymise 7 events older than 395 days" in out.getvalue()
    assert Event.objects.filter(user__isnull=True).count() == 0
    out = StringIO()
    call_command(
        "ecrm_purge_events", "--mode", "purge", "--days", "30", "--batch-size", "2", stdout=out
    )
    assert "Purged 7 events older than 30 days" in out.getvalue()
    with pytest.raises(CommandError, match="days"):
        call_command("ecrm_purge_events", "--days", "0")
    with pytest.raises(CommandError, match="batch-size"):
        call_command("ecrm_purge_events", "--batch-size", "0")


# --- erasure ---------------------------------------------------------------------------


def test_erase_user_events(customer):
    someone_else = create_customer()
    make(user=customer, visitor_id=V1)
    make(user=customer, visitor_id="")
    make(visitor_id=V1)  # their browser while logged out
    kept = [make(user=someone_else, visitor_id=V2), make(visitor_id=V2)]
    assert services.erase_user_events(customer, batch_size=1) == 3
    assert set(Event.objects.values_list("pk", flat=True)) == {e.pk for e in kept}
    assert services.erase_user_events(customer) == 0


# --- admin -----------------------------------------------------------------------------


def test_admin_is_read_only_searchable_and_filterable(admin_client, customer):
    event = make(T.SEARCHED, user=customer, query="<b>mugs</b>", visitor_id=V1)
    make(T.EMAIL_OPENED, channel="email")
    changelist = reverse("admin:ecrm_tracking_event_changelist")
    page = admin_client.get(changelist).content.decode()
    assert "&lt;b&gt;mugs&lt;/b&gt;" in page and "<b>mugs</b>" not in page
    assert "Searched" in page and "Opened an email" in page
    for params, expected in [
        ({"type": T.SEARCHED}, 1),
        ({"channel__exact": "email"}, 1),
        ({"q": "mugs"}, 1),
        ({"q": V1}, 1),
        ({"q": customer.email}, 1),
        ({"created_at__gte": (timezone.now() + timedelta(days=1)).isoformat()}, 0),
    ]:
        response = admin_client.get(changelist, params)
        assert response.status_code == 200
        assert response.context["cl"].result_count == expected, params
    detail = admin_client.get(reverse("admin:ecrm_tracking_event_change", args=[event.pk]))
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert admin_client.get(reverse("admin:ecrm_tracking_event_add")).status_code == 403
    delete = reverse("admin:ecrm_tracking_event_delete", args=[event.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Event.objects.filter(pk=event.pk).exists()


# --- checks ----------------------------------------------------------------------------


def _ids(messages):
    return [message.id for message in messages]


def test_checks_pass_on_the_demo_shop():
    assert checks.check_tracking_mode(None) == []
    assert checks.check_middleware(None) == []
    assert checks.check_retention(None) == []
    assert checks.check_bot_patterns(None) == []


@override_settings(ECRM_TRACKING_MODE="sometimes")
def test_invalid_mode():
    assert _ids(checks.check_tracking_mode(None)) == ["ecrm.E101"]


def test_middleware_missing_or_misplaced(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != checks.MIDDLEWARE]
    assert _ids(checks.check_middleware(None)) == ["ecrm.E102"]
    settings.ECRM_TRACKING_MODE = "off"
    assert checks.check_middleware(None) == []
    settings.ECRM_TRACKING_MODE = "all"
    settings.MIDDLEWARE = [checks.MIDDLEWARE, *settings.MIDDLEWARE]
    assert _ids(checks.check_middleware(None)) == ["ecrm.W101"]


@pytest.mark.parametrize(
    ("days", "mode", "ids"),
    [(0, "purge", ["ecrm.E103"]), ("30", "purge", ["ecrm.E103"]), (None, "shred", ["ecrm.E103"]),
     (30, "purge", []), (None, "anonymise", [])],
)  # fmt: skip
def test_retention_settings(settings, days, mode, ids):
    settings.ECRM_TRACKING_RETENTION_DAYS = days
    settings.ECRM_TRACKING_RETENTION_MODE = mode
    assert _ids(checks.check_retention(None)) == ids


def test_bot_patterns_check(settings):
    settings.ECRM_TRACKING_BOT_PATTERNS = ["bot", "(unclosed"]
    assert _ids(checks.check_bot_patterns(None)) == ["ecrm.E104"]
    settings.ECRM_TRACKING_BOT_PATTERNS = "bot"
    assert _ids(checks.check_bot_patterns(None)) == ["ecrm.E104"]


def test_cookie_security_is_a_deploy_check(settings):
    settings.DEBUG = False
    settings.SESSION_COOKIE_SECURE = False
    assert _ids(checks.check_cookie_security(None)) == ["ecrm.W102"]
    settings.ECRM_VISITOR_COOKIE_SECURE = True
    assert checks.check_cookie_security(None) == []

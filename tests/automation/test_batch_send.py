"""Sending in batches: constant queries, at most once, and the frequency cap across workers."""

from __future__ import annotations

import functools
import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ecrm_oscar.automation import content, services, tasks
from ecrm_oscar.automation.abstract_models import FlowKind, MessageStatus
from ecrm_oscar.automation.models import Flow, Message
from ecrm_oscar.privacy.services import record_consent
from tests.automation.conftest import consenting_customer, open_basket

pytestmark = pytest.mark.django_db


def queued_baskets(count: int) -> list[int]:
    for _ in range(count):
        open_basket(consenting_customer())
    services.scan_abandoned_baskets()
    return list(Message.objects.filter(status=MessageStatus.QUEUED).values_list("pk", flat=True))


def test_a_batch_costs_the_same_queries_whatever_its_size(flows, django_assert_max_num_queries):
    """A batch's queries do not grow with its size (recommendations off here: their
    batch read is counted in the test after this one)."""
    Flow.objects.update(include_recommendations=False)
    services.automation_enabled()  # the owner's switches are read once and kept
    small_ids = queued_baskets(2)
    with CaptureQueriesContext(connection) as small:
        assert set(services.send_batch(small_ids).values()) == {"sent"}
    large_ids = queued_baskets(12)
    assert len(large_ids) == 12
    with django_assert_max_num_queries(len(small)) as large:
        assert set(services.send_batch(large_ids).values()) == {"sent"}
    assert len(mail.outbox) == 14
    # claim, consent, baskets, lines, images, cap, template, claim update, sent update
    # (and the savepoint around them when the test runs inside a transaction)
    assert len(large) <= 13


def test_a_redelivered_batch_sends_nothing_twice(flows):
    ids = queued_baskets(3)
    assert tasks.send_batch.apply(args=[ids]).get() == {"sent": 3}
    assert tasks.send_batch.apply(args=[ids]).get() == {"not queued": 3}
    assert len(mail.outbox) == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        Message.objects.values_list("email", flat=True)
    )


def test_send_due_enqueues_every_due_message_in_batches_of_the_configured_size(flows, settings):
    settings.ECRM_AUTOMATION_SEND_BATCH_SIZE = 2
    ids = queued_baskets(5)
    enqueued = []
    pages = functools.partial(services.due_message_ids, limit=3)  # keyset pages of 3
    with (
        mock.patch.object(tasks, "enqueue", lambda task, *args: enqueued.append(args)),
        mock.patch.object(services, "due_message_ids", pages),
    ):
        assert tasks.send_due.apply().get() == 5
    assert [len(batch) for (batch,) in enqueued] == [2, 1, 2]
    assert sorted(pk for (batch,) in enqueued for pk in batch) == sorted(ids)
    for (batch,) in enqueued:
        tasks.send_batch.apply(args=[batch]).get()
    assert len(mail.outbox) == 5


def test_two_messages_to_one_shopper_in_a_batch_send_one_and_postpone_the_other(flows):
    ann = consenting_customer()
    open_basket(ann)
    services.scan_abandoned_baskets()
    services.trigger_welcome(ann.pk)
    results = services.send_batch(services.due_message_ids())
    assert sorted(results.values()) == ["postponed", "sent"]
    assert len(mail.outbox) == 1
    (postponed,) = [pk for pk, outcome in results.items() if outcome == "postponed"]
    waiting = Message.objects.get(pk=postponed, status=MessageStatus.QUEUED)
    assert waiting.scheduled_at > timezone.now() + timedelta(hours=15)


def test_an_email_claimed_by_another_worker_counts_for_the_cap(flows):
    """Worker A has claimed (not yet sent) a message to Ann; worker B's batch must not
    send her another one within the cap, even to her address without her account."""
    ann = consenting_customer()
    open_basket(ann)
    services.scan_abandoned_baskets()
    Message.objects.update(status=MessageStatus.SENDING, claimed_at=timezone.now())
    services.trigger_welcome(ann.pk)
    welcome = Message.objects.get(status=MessageStatus.QUEUED, step__position=1)
    Message.objects.filter(pk=welcome.pk).update(user=None)  # the same address, as a guest
    assert services.send_batch([welcome.pk]) == {welcome.pk: "postponed"}
    assert mail.outbox == []


def test_a_batch_checks_consent_by_account_and_by_address_newest_answer_wins(flows):
    ids = queued_baskets(2)
    first, second = Message.objects.filter(pk__in=ids).order_by("pk")
    record_consent("marketing_email", False, source="preferences", email=first.email)
    results = services.send_batch(ids)
    assert results == {first.pk: MessageStatus.CANCELLED, second.pk: "sent"}
    assert [m.to[0] for m in mail.outbox] == [second.email]


def test_a_template_error_mid_batch_pauses_the_flow_and_leaves_the_rest_queued(flows):
    ids = queued_baskets(3)
    calls = []

    def render(message, address, event_types=None):
        calls.append(message.pk)
        raise services.TemplateFailure("broken")

    with mock.patch.object(content, "render", render):
        results = services.send_batch(ids)
    assert set(results.values()) == {"paused"} and len(calls) == 1
    assert Message.objects.filter(status=MessageStatus.QUEUED).count() == 3
    assert mail.outbox == []


def test_a_mail_server_failing_for_one_email_fails_only_that_one(flows):
    ids = queued_baskets(3)
    original = mail.backends.locmem.EmailBackend.send_messages
    bad = Message.objects.get(pk=ids[1]).email

    def send_messages(self, messages):
        if messages[0].to == [bad]:
            raise OSError("mailbox unavailable")
        return original(self, messages)

    with mock.patch.object(mail.backends.locmem.EmailBackend, "send_messages", send_messages):
        results = services.send_batch(ids)
    assert results[ids[1]] == MessageStatus.FAILED
    assert [results[ids[0]], results[ids[2]]] == ["sent", "sent"]
    assert "mailbox unavailable" in Message.objects.get(pk=ids[1]).error
    assert services.send_batch(ids) == dict.fromkeys(ids, "not queued")


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: two sessions sending concurrently",
)  # decided before the database is set up: a transactional test flushes it afterwards
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_both_email_one_shopper_within_the_cap(settings):
    """Two threads (two database sessions) send different flows' messages to one shopper
    at the same moment: the recipient lock lets exactly one through (PostgreSQL)."""
    from ecrm_oscar.automation.defaults import ensure_defaults

    ensure_defaults()
    Flow.objects.update(enabled=True, include_recommendations=False)
    ann = consenting_customer()
    open_basket(ann)
    services.scan_abandoned_baskets()
    services.trigger_welcome(ann.pk)
    basket = Message.objects.get(flow__kind=FlowKind.ABANDONED_BASKET)
    welcome = Message.objects.get(flow__kind=FlowKind.WELCOME, step__position=1)
    real_render = content.render

    def slow_render(*args, **kwargs):
        time.sleep(0.5)  # both workers are inside their claim at the same time
        return real_render(*args, **kwargs)

    results: dict[int, str] = {}
    barrier = threading.Barrier(2)

    def worker(message_id: int) -> None:
        try:
            barrier.wait()
            results.update(services.send_batch([message_id]))
        finally:
            connections.close_all()

    with mock.patch.object(content, "render", slow_render):
        threads = [threading.Thread(target=worker, args=[pk]) for pk in (basket.pk, welcome.pk)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert sorted(results.values()) == ["postponed", "sent"]
    assert len(mail.outbox) == 1


def test_recommendations_in_a_batch_cost_the_same_queries_whatever_its_size(
    flows, settings, django_assert_max_num_queries
):
    """Every email carries its shopper's "recommended for you" list: read for the whole
    batch at once (``recommend_many``), the same list as one by one."""
    from ecrm_oscar.recommendations import services as recommendations
    from ecrm_oscar.recommendations.training import train_all
    from ecrm_oscar.testing.factories import create_product, create_purchase

    settings.ECRM_RECOMMENDATION_CACHE_SECONDS = 0
    Flow.objects.update(include_recommendations=True)
    services.automation_enabled()
    catalogue = [create_product(title=f"Recommended {n:02}", price="5.00") for n in range(10)]
    now = timezone.now()
    # Earlier buyers link the catalogue's products: the shoppers' lists come from them.
    for n in range(6):
        buyer = consenting_customer()
        bought = [(catalogue[(n + k) % 10], 1) for k in range(3)]
        create_purchase(buyer, bought, placed_at=now - timedelta(days=20 + n))

    def shoppers_with_baskets(count: int) -> list[int]:
        before = set(Message.objects.values_list("pk", flat=True))
        for n in range(count):
            shopper = consenting_customer()
            create_purchase(shopper, [(catalogue[n % 10], 1)], placed_at=now - timedelta(days=9))
            open_basket(shopper)
        train_all()
        services.scan_abandoned_baskets()
        return list(
            Message.objects.filter(status=MessageStatus.QUEUED)
            .exclude(pk__in=before)
            .values_list("pk", flat=True)
        )

    small_ids = shoppers_with_baskets(2)
    with CaptureQueriesContext(connection) as small:
        assert set(services.send_batch(small_ids).values()) == {"sent"}
    large_ids = shoppers_with_baskets(10)
    with django_assert_max_num_queries(len(small)):
        assert set(services.send_batch(large_ids).values()) == {"sent"}
    assert len(mail.outbox) == 12
    for email in mail.outbox[2:]:
        message = Message.objects.get(pk__in=large_ids, email=email.to[0])
        expected = [
            p.get_title()
            for p in recommendations.for_user(message.user, limit=6)
            if p.get_title() not in email.body.split("You may also like")[0]
        ][:3]
        assert expected and all(title in email.body for title in expected)

"""The shared helpers every capability builds on: safe receivers, tasks, settings."""

from __future__ import annotations

import logging
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.dispatch import Signal
from django.test import override_settings

from ecrm_oscar import conf
from ecrm_oscar.core.receivers import safe_receiver
from ecrm_oscar.core.tasks import ecrm_task, enqueue, enqueue_on_commit
from tests.integration_app.models import TaskEffect
from tests.integration_app.tasks import record_effect

User = get_user_model()


@pytest.fixture
def signal():
    return Signal()


@pytest.mark.django_db
def test_safe_receiver_logs_and_swallows_errors_and_rolls_back_its_writes(signal, caplog):
    @safe_receiver
    def broken(sender, **kwargs):
        TaskEffect.objects.create(label="written-then-rolled-back", worker_pid=1)
        raise RuntimeError("boom")

    signal.connect(broken)
    with transaction.atomic():
        User.objects.create(username="buyer")
        with caplog.at_level(logging.ERROR, logger="ecrm.receivers"):
            responses = signal.send(sender=None)
        # The sender's own transaction is still usable after the receiver failed.
        User.objects.create(username="buyer-2")
    assert responses[0][1] is None
    assert "broken" in caplog.text and "boom" in caplog.text
    assert User.objects.filter(username__startswith="buyer").count() == 2
    assert not TaskEffect.objects.exists()


@pytest.mark.django_db
def test_safe_receiver_returns_the_receivers_value(signal):
    signal.connect(safe_receiver(lambda sender, **kwargs: kwargs["value"] * 2), weak=False)
    assert signal.send(sender=None, value=21)[0][1] == 42


def test_safe_receiver_skips_fixture_loading(signal):
    calls = []
    signal.connect(safe_receiver(lambda sender, **kwargs: calls.append(kwargs)), weak=False)
    signal.send(sender=None, raw=True)
    assert calls == []


@pytest.mark.django_db
@override_settings(ECRM_SAFE_RECEIVERS=False)
def test_safe_receiver_can_be_made_strict_for_plugin_tests(signal):
    @safe_receiver
    def broken(sender, **kwargs):
        raise ValueError("visible")

    signal.connect(broken)
    with pytest.raises(ValueError, match="visible"):
        signal.send(sender=None)


def test_task_names_are_namespaced():
    with pytest.raises(ValueError, match="ecrm."):
        ecrm_task("loyalty.award")
    assert record_effect.name == "ecrm.tests.record_effect"
    assert record_effect.max_retries == conf.get("ECRM_TASK_MAX_RETRIES")


@pytest.mark.django_db
def test_enqueue_on_commit_waits_for_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        enqueue_on_commit(record_effect, "after-commit")
        assert not TaskEffect.objects.filter(label="after-commit").exists()
    assert len(callbacks) == 1
    assert TaskEffect.objects.filter(label="after-commit").count() == 1


@pytest.mark.django_db(transaction=True)
def test_enqueue_on_commit_sends_nothing_when_rolled_back():
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(record_effect, "rolled-back")
        raise RuntimeError("checkout failed")
    assert not TaskEffect.objects.filter(label="rolled-back").exists()


def test_enqueue_survives_a_broker_outage(caplog):
    outage = mock.patch.object(record_effect, "apply_async", side_effect=ConnectionError("down"))
    with outage, caplog.at_level(logging.ERROR, logger="ecrm.tasks"):
        assert enqueue(record_effect, "x") is False
    assert "ecrm.tests.record_effect" in caplog.text


@override_settings(ECRM_CELERY_QUEUE="ecrm-special")
def test_enqueue_uses_the_configured_queue():
    with mock.patch.object(record_effect, "apply_async") as apply_async:
        assert enqueue(record_effect, "y", flag=True) is True
    apply_async.assert_called_once_with(args=("y",), kwargs={"flag": True}, queue="ecrm-special")


def test_settings_are_read_at_call_time():
    assert conf.settings.ECRM_TASK_MAX_RETRIES == conf.DEFAULTS["ECRM_TASK_MAX_RETRIES"]
    with override_settings(ECRM_TASK_MAX_RETRIES=1):
        assert conf.settings.ECRM_TASK_MAX_RETRIES == 1
    with pytest.raises(AttributeError, match="not a django-ecrm setting"):
        conf.get("ECRM_NO_SUCH_THING")

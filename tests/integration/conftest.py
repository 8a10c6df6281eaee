"""A real Celery worker for the integration tests (second pass of ``make test``).

The worker is a subprocess of this test run: ``celery -A sandbox worker`` with
``tests.settings``, the broker of ECRM_TEST_BROKER_URL, this run's own queue and the test
database pytest-django created, so it sees what the tests commit. It starts once, on the
first integration test, and stops before the test database is dropped. Without
PostgreSQL and a broker (the SQLite pass, a laptop) the integration tests are skipped.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO_DIR = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 45.0
STOP_TIMEOUT = 15.0


@dataclass
class Worker:
    process: subprocess.Popen
    hostname: str
    queue: str
    log: Path
    #: Where the worker's email backend writes what it sends (one file per connection).
    email_dir: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass
class Published:
    """Messages this process published to the broker (Celery's after_task_publish)."""

    messages: list[tuple[str, str]] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [name for name, _routing_key in self.messages]


def pytest_collection_modifyitems(config, items):
    """Skip the integration tests at once (before any database is set up) when the
    services are absent."""
    from django.db import connection

    reason = _skip_reason(connection)
    if reason:
        for item in items:
            if item.get_closest_marker("integration"):
                item.add_marker(pytest.mark.skip(reason=reason))


def _skip_reason(connection) -> str | None:
    if not os.environ.get("ECRM_TEST_BROKER_URL"):
        return (
            "integration tests need a broker: set ECRM_TEST_BROKER_URL (make test does so "
            "when Redis answers on 127.0.0.1:6379)"
        )
    if connection.vendor != "postgresql":
        return (
            f"integration tests need PostgreSQL (DATABASE_URL), not {connection.vendor}: "
            "a worker process cannot share the in-memory SQLite test database"
        )
    return None


def _worker_database_url(connection) -> str:
    """DATABASE_URL, pointing at the test database (``test_<name>``) instead."""
    url = urlsplit(os.environ["DATABASE_URL"])
    return url._replace(path="/" + connection.settings_dict["NAME"]).geturl()


def _wait_until_ready(app, worker: Worker) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            pytest.fail(
                f"The Celery worker exited with code {worker.process.returncode} before it "
                f"was ready. Its output:\n{worker.output()}",
                pytrace=False,
            )
        try:
            replies = app.control.ping(destination=[worker.hostname], timeout=0.5)
        except Exception:  # broker not answering yet: try again until the deadline
            replies = []
        if any(worker.hostname in reply for reply in replies):
            return
    _stop(worker)
    pytest.fail(
        f"The Celery worker {worker.hostname} did not answer a ping within "
        f"{READY_TIMEOUT:.0f} s. Its output:\n{worker.output()}",
        pytrace=False,
    )


def _stop(worker: Worker) -> None:
    if worker.process.poll() is None:
        worker.process.send_signal(signal.SIGTERM)  # warm shutdown
        try:
            worker.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait(STOP_TIMEOUT)


def _delete_queue(app, name: str) -> None:
    """Remove this run's queue and its bindings from the broker (best effort)."""
    try:
        with app.connection_for_write() as conn:
            queue = app.amqp.queues[name](conn.default_channel)
            queue.declare()  # the channel only deletes bindings it knows of
            queue.delete()
    except Exception:  # an empty queue left on the broker harms nothing
        pass


def _wait_for_other_sessions_to_leave(connection, timeout: float = 10.0) -> None:
    """PostgreSQL refuses to drop a database someone is connected to; the worker's
    backend can outlive the worker by a moment."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Worker]:
    """Start ``celery -A sandbox worker`` on this run's queue; stop it at the end."""
    from django.conf import settings
    from django.db import connection

    from sandbox.celery import app

    reason = _skip_reason(connection)
    if reason:
        pytest.skip(reason)

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    hostname = f"{queue}@{socket.gethostname()}"
    log = tmp_path_factory.mktemp("celery-worker") / "worker.log"
    email_dir = tmp_path_factory.mktemp("celery-worker-email")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _worker_database_url(connection),
        "ECRM_TEST_BROKER_URL": os.environ["ECRM_TEST_BROKER_URL"],
        "ECRM_TEST_QUEUE": queue,
        "ECRM_TEST_WORKER": "1",  # tests/settings.py: tasks are not eager in the worker
        "ECRM_TEST_EMAIL_FILE_PATH": str(email_dir),  # tests/settings.py: file-based email
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_DIR), os.environ.get("PYTHONPATH")])),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "sandbox", "worker",
        "-P", "solo", "--concurrency", "1", "-Q", queue, "-n", hostname,
        "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning",
    ]  # fmt: skip
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            command, cwd=REPO_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    worker = Worker(process=process, hostname=hostname, queue=queue, log=log, email_dir=email_dir)
    try:
        _wait_until_ready(app, worker)
        yield worker
    finally:
        _stop(worker)
        _delete_queue(app, queue)
        with django_db_blocker.unblock():
            _wait_for_other_sessions_to_leave(connection)


@pytest.fixture
def celery_worker(celery_worker_process: Worker) -> Iterator[Worker]:
    """The running worker, with this process sending tasks through the broker (not eager)."""
    from celery import current_app

    previous = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = False
    try:
        yield celery_worker_process
    finally:
        current_app.conf.task_always_eager = previous


@pytest.fixture
def published() -> Iterator[Published]:
    """Record every task message this process publishes while the test runs."""
    from celery.signals import after_task_publish

    record = Published()

    def receiver(sender=None, routing_key=None, **kwargs):
        record.messages.append((sender, routing_key))

    after_task_publish.connect(receiver, weak=False)
    try:
        yield record
    finally:
        after_task_publish.disconnect(receiver)

"""100 concurrent redemption attempts on one account, against PostgreSQL.

Each attempt is a real transaction on its own database connection, started together
behind a barrier, all fighting for the same account row. The account holds 1,000 points
and each attempt asks for 30: exactly 33 may succeed. A watcher thread keeps reading the
balance while they run. PostgreSQL's default ``max_connections`` is 100 (shared with
everything else on the server), so the 100 attempts run on a pool of at most 32 threads.
"""

from __future__ import annotations

import queue
import threading

import pytest
from django.db import connection, connections

from ecrm_oscar.loyalty import facade
from ecrm_oscar.loyalty.audit import mismatches
from ecrm_oscar.loyalty.exceptions import InsufficientPoints
from ecrm_oscar.loyalty.models import Kind, LedgerEntry, LoyaltyAccount
from ecrm_oscar.testing.factories import create_customer

ATTEMPTS = 100
THREADS = 32
BALANCE = 1_000
EACH = 30


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            f"needs PostgreSQL (DATABASE_URL), not {connection.vendor}: SQLite locks the whole "
            "database for every writer and its in-memory test database is not shared between "
            "threads, so concurrency proves nothing there"
        )


def _free_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_connections')::int "
            "- current_setting('superuser_reserved_connections')::int "
            "- (SELECT count(*) FROM pg_stat_activity)"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_concurrent_redemptions_never_overdraw(postgresql_only):
    user = create_customer()
    facade.award(user, BALANCE, key="fund", reason="test", confirm=True)
    threads = min(THREADS, _free_connections() - 4)
    assert threads >= 4, "PostgreSQL has too few free connections for this test"

    barrier = threading.Barrier(threads + 1)
    work = queue.SimpleQueue()
    for number in range(ATTEMPTS):
        work.put(number)
    outcomes: dict[int, str] = {}
    errors: list[BaseException] = []
    lowest = [BALANCE]
    stop = threading.Event()

    def worker() -> None:
        try:
            barrier.wait(timeout=30)
            while True:
                try:
                    number = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    facade.redeem(user, EACH, key=f"concurrent-{number}", reason="race")
                    outcomes[number] = "ok"
                except InsufficientPoints:
                    outcomes[number] = "refused"
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            connections.close_all()

    def watch() -> None:
        try:
            barrier.wait(timeout=30)
            while not stop.is_set():
                lowest[0] = min(lowest[0], LoyaltyAccount.objects.get(user=user).balance)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    watcher = threading.Thread(target=watch)
    for thread in [*workers, watcher]:
        thread.start()
    for thread in workers:
        thread.join()
    stop.set()
    watcher.join()

    assert errors == []
    succeeded = sorted(n for n, outcome in outcomes.items() if outcome == "ok")
    assert len(outcomes) == ATTEMPTS
    assert len(succeeded) == BALANCE // EACH == 33
    account = LoyaltyAccount.objects.get(user=user)
    assert account.balance == BALANCE - 33 * EACH == 10
    assert lowest[0] >= 0
    redeemed = LedgerEntry.objects.filter(kind=Kind.REDEEM)
    assert sorted(redeemed.values_list("operation", flat=True)) == sorted(
        f"concurrent-{n}" for n in succeeded
    )
    assert all(points == -EACH for points in redeemed.values_list("points", flat=True))
    assert mismatches() == []

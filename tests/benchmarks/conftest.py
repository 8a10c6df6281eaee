"""Fixtures shared by the benchmarks (``make bench``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.benchmarks.sandbox_runs import full_data, measure, migrate


@pytest.fixture(scope="session")
def migrated(tmp_path_factory) -> Path:
    """An empty, migrated SQLite database; copy it, never write to it."""
    db = tmp_path_factory.mktemp("bench") / "migrated.sqlite3"
    migrate(db)
    return db


@pytest.fixture(scope="session")
def full_demo_db(migrated: Path, tmp_path_factory) -> Path:
    """A database holding the complete Online Retail history (not measured here)."""
    source = full_data()
    if source is None:
        pytest.skip("the complete UCI CSV is not at ../shared/data (or ECRM_DEMO_FULL_DATA)")
    db = tmp_path_factory.mktemp("bench-full") / "full.sqlite3"
    shutil.copyfile(migrated, db)
    measure(db, "ecrm_load_demo", "--full", "--file", str(source))
    return db

"""Run the demo shop's ``manage.py`` in a subprocess on a given SQLite file and measure it.

Benchmarks share this so every figure is taken the same way: the sandbox's own settings
(not pytest's), a fresh process, wall time and the process's peak resident memory.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MANAGE = [sys.executable, str(REPO / "sandbox" / "manage.py")]

# Runs argv and writes its children's peak RSS (KiB on Linux) to the file named first.
_MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[2:]).returncode\n"
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
    "sys.exit(code)\n"
)


def sandbox_env(db: Path) -> dict[str, str]:
    """The sandbox's own settings (not pytest's tests.settings) on the database ``db``."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["DATABASE_URL"] = f"sqlite:///{db}"
    env["HAYSTACK_WHOOSH_PATH"] = str(db.with_suffix(".whoosh"))
    return env


def measure(db: Path, *argv: str, manage: bool = True) -> tuple[float, float, str]:
    """(seconds, peak MB, stdout) of ``manage.py <argv>`` (or of ``python <argv>``)."""
    rss_file = db.with_suffix(".rss")
    command = [*MANAGE, *argv] if manage else [sys.executable, *argv]
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(rss_file), *command],
        env=sandbox_env(db),
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stderr[-3000:]
    return seconds, int(rss_file.read_text()) / 1024, done.stdout


def migrate(db: Path) -> None:
    started = time.perf_counter()
    subprocess.run(
        [*MANAGE, "migrate", "--noinput", "-v0"], env=sandbox_env(db), check=True, cwd=REPO
    )
    print(f"\nmigrate: {time.perf_counter() - started:.1f} s (not part of the figures)")


def full_data() -> Path | None:
    """The complete UCI Online Retail CSV, if this machine has it."""
    configured = os.environ.get("ECRM_DEMO_FULL_DATA")
    path = (
        Path(configured) if configured else REPO.parent / "shared" / "data" / "online_retail.csv.gz"
    )
    return path if path.is_file() else None

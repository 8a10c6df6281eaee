"""Write benchmark figures into docs/benchmarks.md, one ``## <name>`` section per benchmark.

Each benchmark owns its section and rewrites only that, so benchmarks can run alone or in
any order and the rest of the page is kept.
"""

from __future__ import annotations

import os
import platform
import re
import sys
from datetime import date
from pathlib import Path

BENCHMARKS_MD = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"

_PREAMBLE = (
    "# Benchmarks\n\n"
    "Written by `make bench` (tests/benchmarks/); each section is replaced when its "
    "benchmark runs again. Figures depend on the machine: compare runs on the same one.\n"
)


def machine() -> str:
    """One line naming where the figures were measured."""
    return (
        f"{os.cpu_count()} CPUs ({platform.machine()}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def write_section(name: str, markdown: str, path: Path = BENCHMARKS_MD) -> None:
    """Replace (or append) the section ``## <name>`` of ``path`` with ``markdown``.

    The section starts with the date and the machine, so figures are never read without
    their context.
    """
    body = (
        f"## {name}\n\n_Measured {date.today().isoformat()} on {machine()}._\n\n"
        f"{markdown.strip()}\n"
    )
    text = path.read_text() if path.exists() else _PREAMBLE
    pattern = re.compile(rf"^## {re.escape(name)}\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: body + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + body
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip("\n") + "\n")


if __name__ == "__main__":  # pragma: no cover - manual use: report.py NAME < section.md
    write_section(sys.argv[1], sys.stdin.read())

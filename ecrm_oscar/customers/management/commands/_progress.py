"""A tqdm progress factory for the customers commands (shown only on a terminal)."""

from __future__ import annotations

import sys
from collections.abc import Callable


def tqdm_factory(enabled: bool) -> Callable[[str, int, str], Callable[[int], None]] | None:
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    def factory(description: str, total: int, unit: str) -> Callable[[int], None]:
        bar = tqdm(total=total, desc=description, unit=unit.strip() or "it", leave=False)

        def tick(n: int) -> None:
            bar.update(n)
            if bar.n >= bar.total:
                bar.close()

        return tick

    return factory

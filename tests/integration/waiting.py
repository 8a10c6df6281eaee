"""Waiting for the worker subprocess: poll a check until it holds or time runs out."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest


def wait_until(check: Callable[[], Any], worker, what: str, timeout: float = 30.0) -> Any:
    """``check()``'s first truthy result; fails with the worker's output after
    ``timeout`` seconds, or at once when the worker process has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        if worker.process.poll() is not None:
            break
        time.sleep(0.2)
    pytest.fail(f"{what} after {timeout:.0f} s. Worker output:\n{worker.output()}")

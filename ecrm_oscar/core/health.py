"""Reachability of the services the plugin relies on."""

from __future__ import annotations

from celery import current_app


def broker_status(timeout: float = 1.0) -> str:
    """'inline' when tasks run eagerly, else 'ok' or 'unreachable' for the broker."""
    app = current_app
    if app.conf.task_always_eager:
        return "inline"
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
    except Exception:
        return "unreachable"
    return "ok"

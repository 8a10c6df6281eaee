"""Read the demo shop's configuration from environment variables, with clear errors.

Every value has a safe default for a laptop; a malformed value stops start-up with one
readable line (``ConfigError``) instead of a traceback deep inside Django.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured


class ConfigError(ImproperlyConfigured):
    """A setting taken from the environment is missing or malformed."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off.")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


#: SQLite for a shop: write-ahead logging (readers never wait for the writer) with
#: synchronous=NORMAL (a commit does not wait for fsync; a power cut may lose the last
#: commits, never corrupt the file), and transactions that take the write lock when they
#: begin (IMMEDIATE), so two writers queue up (``timeout``) instead of failing with
#: "database is locked". django-ecrm's event capture depends on cheap commits.
SQLITE_OPTIONS = {
    "timeout": 30,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    "transaction_mode": "IMMEDIATE",
}


def database_from_url(url: str, base_dir) -> dict:
    """Turn DATABASE_URL into Django's DATABASES['default'], or say what is wrong with it."""
    import dj_database_url

    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(base_dir / "db.sqlite3"),
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    scheme = urlsplit(url).scheme
    supported = ("sqlite", "postgres", "postgresql", "pgsql", "mysql")
    if scheme not in supported:
        raise ConfigError(
            f"DATABASE_URL has scheme {scheme or '(none)'!r}; expected one of "
            f"{', '.join(supported)} (e.g. postgres://user@127.0.0.1:5432/shop "
            "or sqlite:////absolute/path/db.sqlite3)."
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=60)
    except Exception as exc:  # dj-database-url raises several kinds of errors
        raise ConfigError(f"DATABASE_URL could not be parsed: {exc}") from exc
    if scheme != "sqlite" and not config.get("NAME"):
        raise ConfigError("DATABASE_URL names no database (add /dbname at the end).")
    if scheme == "sqlite":
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
    return config


def cache_from_url(url: str) -> dict:
    if not url or url.startswith("locmem"):
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    scheme = urlsplit(url).scheme
    if scheme in ("redis", "rediss"):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    raise ConfigError(
        f"CACHE_URL has scheme {scheme!r}; expected locmem:// or redis://host:6379/1."
    )


def search_backend_from_url(url: str) -> dict:
    """Wagtail search: the database backend by default, OpenSearch/Elasticsearch by URL."""
    if not url or url.startswith("database"):
        return {"BACKEND": "wagtail.search.backends.database"}
    parts = urlsplit(url)
    backends = {
        "opensearch": "wagtail.search.backends.opensearch2",
        "opensearch2": "wagtail.search.backends.opensearch2",
        "opensearch3": "wagtail.search.backends.opensearch3",
        "elasticsearch": "wagtail.search.backends.elasticsearch8",
        "elasticsearch7": "wagtail.search.backends.elasticsearch7",
        "elasticsearch8": "wagtail.search.backends.elasticsearch8",
        "elasticsearch9": "wagtail.search.backends.elasticsearch9",
    }
    if parts.scheme not in backends:
        raise ConfigError(
            f"ECRM_SEARCH_URL has scheme {parts.scheme!r}; expected database://, "
            "opensearch://host:9200 or elasticsearch://host:9200."
        )
    if not parts.hostname:
        raise ConfigError("ECRM_SEARCH_URL names no host (e.g. opensearch://127.0.0.1:9200).")
    scheme = "https" if parts.port == 443 else "http"
    return {
        "BACKEND": backends[parts.scheme],
        "URLS": [f"{scheme}://{parts.hostname}:{parts.port or 9200}"],
        "INDEX": (parts.path.strip("/") or "ecrm"),
        "TIMEOUT": 5,
        "OPTIONS": {},
        "INDEX_SETTINGS": {},
    }


def broker_from_url(url: str) -> str:
    if not url:
        return ""
    scheme = urlsplit(url).scheme
    if scheme not in ("redis", "rediss", "amqp", "amqps", "pyamqp", "memory"):
        raise ConfigError(
            f"CELERY_BROKER_URL has scheme {scheme!r}; expected redis://127.0.0.1:6379/0 or "
            "amqp://guest:guest@127.0.0.1:5672//, or leave it empty to run tasks inline."
        )
    return url

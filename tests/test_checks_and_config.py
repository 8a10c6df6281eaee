"""System checks, the health endpoint and start-up configuration errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from ecrm_oscar import checks, conf
from sandbox import env

REPO = Path(__file__).resolve().parent.parent


def _ids(messages):
    return [message.id for message in messages]


@override_settings(DEBUG=True)  # as the demo runs; the test runner forces DEBUG off
def test_all_checks_pass_on_the_demo_shop():
    call_command("check", fail_level="WARNING")


@override_settings(ECRM_TYPO_SETTING=True)
def test_unknown_ecrm_setting_is_reported():
    messages = checks.check_unknown_settings(None)
    assert _ids(messages) == ["ecrm.W001"]
    assert "ECRM_TYPO_SETTING" in messages[0].msg


@override_settings(DEBUG=False, CELERY_TASK_ALWAYS_EAGER=True)
def test_inline_tasks_in_production_warn():
    assert _ids(checks.check_eager_tasks_in_production(None)) == ["ecrm.W002"]


def test_automation_before_privacy_warns(monkeypatch):
    from types import SimpleNamespace

    from django.apps import apps

    def configs(*names):
        return lambda: [SimpleNamespace(name=name) for name in names]

    monkeypatch.setattr(
        apps, "get_app_configs", configs("ecrm_oscar.privacy", "ecrm_oscar.automation")
    )
    assert checks.check_privacy_before_automation(None) == []
    monkeypatch.setattr(
        apps, "get_app_configs", configs("ecrm_oscar.automation", "ecrm_oscar.privacy")
    )
    assert _ids(checks.check_privacy_before_automation(None)) == ["ecrm.W003"]


@override_settings(ECRM_ERASURE_REVIEWS="keep")
def test_unknown_review_erasure_is_an_error():
    assert _ids(checks.check_erasure_reviews(None)) == ["ecrm.E004"]


@override_settings(ROOT_URLCONF="tests.urls_without_ecrm")
def test_missing_urls_are_an_error():
    assert _ids(checks.check_urls_included(None)) == ["ecrm.E003"]


def test_every_setting_is_documented():
    documented = (REPO / "docs" / "settings.md").read_text()
    missing = [name for name in conf.DEFAULTS if f"`{name}`" not in documented]
    assert missing == []


def test_every_check_is_documented():
    documented = (REPO / "docs" / "checks.md").read_text()
    # ecrm_oscar/checks.py and every app's own checks.py
    source = "".join(path.read_text() for path in sorted(REPO.glob("ecrm_*/**/checks.py")))
    ids = sorted(set(part.split('"')[0] for part in source.split('id="')[1:]))
    assert ids and all(f"`{check_id}`" in documented for check_id in ids), ids


@pytest.mark.django_db
def test_health_reports_each_service(client):
    response = client.get("/ecrm/health/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "tasks": "inline",
    }


@pytest.mark.django_db
def test_health_is_503_when_the_broker_is_down(client, monkeypatch):
    monkeypatch.setattr("ecrm_oscar.core.views.broker_status", lambda: "unreachable")
    response = client.get("/ecrm/health/")
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"


@pytest.mark.django_db
def test_no_model_changes_without_migrations():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mongodb://127.0.0.1/shop", "scheme 'mongodb'"),
        ("not a url", "scheme '(none)'"),
        ("postgres://127.0.0.1:5432", "names no database"),
    ],
)
def test_bad_database_url_is_a_config_error(url, message, tmp_path):
    with pytest.raises(env.ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        env.database_from_url(url, tmp_path)


def test_good_database_urls(tmp_path):
    assert env.database_from_url("", tmp_path)["ENGINE"] == "django.db.backends.sqlite3"
    pg = env.database_from_url("postgres://postgres@127.0.0.1:5432/shop", tmp_path)
    assert (pg["ENGINE"], pg["NAME"], pg["HOST"]) == (
        "django.db.backends.postgresql",
        "shop",
        "127.0.0.1",
    )


@pytest.mark.parametrize(
    ("function", "value"),
    [
        (env.broker_from_url, "http://127.0.0.1:6379"),
        (env.cache_from_url, "memcached://127.0.0.1"),
        (env.search_backend_from_url, "solr://127.0.0.1"),
        (env.search_backend_from_url, "opensearch://"),
    ],
)
def test_bad_service_urls_are_config_errors(function, value):
    with pytest.raises(env.ConfigError):
        function(value)


def test_search_backend_by_url():
    assert env.search_backend_from_url("")["BACKEND"] == "wagtail.search.backends.database"
    backend = env.search_backend_from_url("opensearch://search.local:9201/shop")
    assert backend["BACKEND"] == "wagtail.search.backends.opensearch2"
    assert (backend["URLS"], backend["INDEX"]) == (["http://search.local:9201"], "shop")


def test_booleans_are_strict(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(env.ConfigError, match="DEBUG='maybe' is not a boolean"):
        env.env_bool("DEBUG")
    monkeypatch.setenv("DEBUG", "off")
    assert env.env_bool("DEBUG", True) is False


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"DATABASE_URL": "mongodb://127.0.0.1/shop"}, "Configuration error: DATABASE_URL"),
        ({"DEBUG": "0", "SECRET_KEY": ""}, "Configuration error: SECRET_KEY must be set"),
        (
            {"DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere"},
            "Database unavailable:",
        ),
    ],
)
def test_manage_py_reports_bad_environment_in_one_line(variables, expected):
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "sandbox.settings", **variables}
    environment.pop("PYTHONPATH", None)
    result = subprocess.run(
        [sys.executable, str(REPO / "sandbox" / "manage.py"), "migrate", "--check"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(expected), result.stderr
    assert "Traceback" not in result.stderr

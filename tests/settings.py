"""Test settings: the demo shop's settings (built on oscar.defaults) made fast and quiet.

The first pass of ``make test`` uses SQLite with tasks inline. The second pass sets
DATABASE_URL (PostgreSQL) and ECRM_TEST_BROKER_URL (Redis): integration tests then start a
real Celery worker against that broker (tests/integration/conftest.py).
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key")
os.environ.pop("CELERY_BROKER_URL", None)  # every test but integration runs tasks inline

from sandbox.settings import *  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The integration worker writes its emails to files the tests read (locmem stays in the
# worker's memory); tests/integration/conftest.py sets the directory in the worker's env.
if os.environ.get("ECRM_TEST_EMAIL_FILE_PATH"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["ECRM_TEST_EMAIL_FILE_PATH"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_ROOT = REPO_DIR / "var" / "test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Tasks run inline, except in the worker that tests/integration/conftest.py starts
# (ECRM_TEST_WORKER=1); the integration tests turn eager off in the test process themselves.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("ECRM_TEST_WORKER") != "1"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = os.environ.get("ECRM_TEST_BROKER_URL", "memory://")
# A queue of this run's own, so two runs sharing a broker never take each other's tasks;
# the worker is handed the test process's queue through ECRM_TEST_QUEUE.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("ECRM_TEST_QUEUE") or f"ecrm-tests-{os.getpid()}"
INSTALLED_APPS = [*INSTALLED_APPS, "tests.integration_app"]
# A product index of this run's own (Oscar's browse pages read it).
HAYSTACK_CONNECTIONS["default"]["PATH"] = str(REPO_DIR / "var" / "test-whoosh" / str(os.getpid()))
# Marketing automation's quiet hours would make the tests (and the integration worker)
# depend on the time of day; the tests of quiet hours set them themselves.
ECRM_AUTOMATION_QUIET_HOURS = None

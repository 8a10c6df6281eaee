# django-ecrm: `make demo` serves the demo shop, `make test` runs the whole suite.
# Only Python 3.11 and make are needed; everything else is installed into .venv.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMPS := $(VENV)/.stamps
MANAGE := $(PY) sandbox/manage.py
HOST   ?= 127.0.0.1
PORT   ?= 8000

# Second test pass: real PostgreSQL, Redis broker and Celery worker (skipped when absent).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_BROKER_URL   ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?=

.PHONY: demo serve worker install test test-sqlite test-postgres browser-deps bench lint format messages clean help

help:
	@echo "make demo    create .venv, install, migrate, load the demo data, serve on $(HOST):$(PORT)"
	@echo "make worker  a Celery worker with beat for the demo (needs CELERY_BROKER_URL, also for make demo)"
	@echo "make test    install test dependencies and run the whole suite (SQLite, then PostgreSQL + Redis + worker)"
	@echo "make bench   run tests/benchmarks and write docs/benchmarks.md"
	@echo "make lint    ruff check and format check"
	@echo "make messages  update the Persian and Thai catalogues (makemessages), then compile them"

$(PY):
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed (python3.11 not found)"; exit 1; }
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "django-ecrm needs Python 3.11, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMPS)/sandbox: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[sandbox]"
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/test: pyproject.toml $(STAMPS)/sandbox
	$(PY) -m pip install --quiet -e ".[test]"
	@mkdir -p $(STAMPS) && touch $@

install: $(STAMPS)/sandbox

demo: $(STAMPS)/sandbox
	@$(MANAGE) migrate --noinput -v0
	@$(MANAGE) ecrm_load_demo
	@$(MANAGE) ecrm_train_recommendations --if-empty
	@$(MANAGE) ecrm_backfill_events
	@$(MANAGE) ecrm_rebuild_profiles --if-needed
	@$(MANAGE) ecrm_backfill_segment_history --if-empty
	@$(MANAGE) ecrm_loyalty_demo
	@$(MANAGE) ecrm_automation_setup --enable
	@$(MANAGE) ecrm_demo_info --host $(HOST) --port $(PORT) --set-site
	@$(MANAGE) runserver $(HOST):$(PORT) --noreload

serve: $(STAMPS)/sandbox
	@$(MANAGE) runserver $(HOST):$(PORT)

# A Celery worker with beat embedded (-B: one process, fine for a demo; run beat on its own
# in production) on CELERY_BROKER_URL. Start make demo (or serve) with the same
# CELERY_BROKER_URL, or the shop runs its tasks inline and the worker gets none.
worker: $(STAMPS)/sandbox
	@test -n "$$CELERY_BROKER_URL" || { echo "make worker needs CELERY_BROKER_URL, e.g. CELERY_BROKER_URL=redis://127.0.0.1:6379/0 make worker (and the same for make demo)"; exit 1; }
	@mkdir -p var
	$(VENV)/bin/celery -A sandbox worker -B -s var/celerybeat-schedule -l info

# Browser tests drive Debian's chromium (never a downloaded browser); installed when missing
# and this machine allows it, otherwise the browser tests say why they are skipped.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "chromium could not be installed: the browser tests will be skipped"; \
	  else echo "chromium is not installed (apt-get install chromium): the browser tests will be skipped"; fi; }

test: $(STAMPS)/test browser-deps
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres

test-sqlite: $(STAMPS)/test
	@echo "== make test, pass 1 of 2: SQLite, Celery tasks inline"
	$(PY) -m pytest -m "not integration" $(PYTEST_ARGS)

test-postgres: $(STAMPS)/test
	@if $(PY) tests/services.py "$(TEST_DATABASE_URL)" "$(TEST_BROKER_URL)"; then \
	  echo "== make test, pass 2 of 2: PostgreSQL, Redis broker and a real Celery worker"; \
	  DATABASE_URL="$(TEST_DATABASE_URL)" ECRM_TEST_BROKER_URL="$(TEST_BROKER_URL)" \
	    $(PY) -m pytest $(PYTEST_ARGS); \
	else echo "== make test, pass 2 of 2 skipped: PostgreSQL or Redis is not reachable (see above)"; fi

bench: $(STAMPS)/test
	ECRM_BENCH_POSTGRES_URL="$(TEST_DATABASE_URL)" $(PY) -m pytest tests/benchmarks -o python_files="bench_*.py" -s -p no:cacheprovider $(PYTEST_ARGS)
	@# The loyalty, help center and automation benchmarks measure PostgreSQL (automation also
	@# sends through a Celery worker on the Redis broker): run them there when it answers.
	@if $(PY) tests/services.py "$(TEST_DATABASE_URL)" "$(TEST_BROKER_URL)"; then \
	  DATABASE_URL="$(TEST_DATABASE_URL)" ECRM_TEST_BROKER_URL="$(TEST_BROKER_URL)" \
	    $(PY) -m pytest tests/benchmarks/bench_loyalty.py \
	    tests/benchmarks/bench_helpcenter.py tests/benchmarks/bench_automation.py \
	    -o python_files="bench_*.py" -s -p no:cacheprovider $(PYTEST_ARGS); \
	else echo "bench_loyalty.py, bench_helpcenter.py and bench_automation.py skipped on PostgreSQL: not reachable"; fi

lint: $(STAMPS)/test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMPS)/test
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# The apps that ship Persian and Thai catalogues (locale/{fa,th}, .po and compiled .mo).
# ecrm_wagtail/loyalty_blocks.py is a module, not an app: its strings go into the loyalty
# app's catalogue, so it is copied into that app while makemessages runs.
LOCALE_APPS := ecrm_oscar/automation ecrm_oscar/core ecrm_oscar/customers ecrm_oscar/dashboard \
	ecrm_oscar/loyalty ecrm_oscar/privacy ecrm_oscar/recommendations ecrm_oscar/support \
	ecrm_oscar/tracking ecrm_wagtail/blocks ecrm_wagtail/helpcenter
LANGS       := fa th
messages: $(STAMPS)/sandbox
	@command -v xgettext >/dev/null || { echo "GNU gettext is needed (apt-get install gettext)"; exit 1; }
	@set -e; copy=ecrm_oscar/loyalty/wagtail_loyalty_blocks.py; trap 'rm -f $$copy' EXIT; \
	cp ecrm_wagtail/loyalty_blocks.py $$copy; \
	for app in $(LOCALE_APPS); do \
	  echo "$$app"; \
	  (cd $$app && PYTHONPATH=$(CURDIR) DJANGO_SETTINGS_MODULE=sandbox.settings \
	    $(CURDIR)/$(PY) -m django makemessages $(LANGS:%=-l %) --no-obsolete -v0 && \
	   PYTHONPATH=$(CURDIR) DJANGO_SETTINGS_MODULE=sandbox.settings \
	    $(CURDIR)/$(PY) -m django compilemessages -v0); \
	done
	@echo "Translate the new or fuzzy entries (tests/test_translations.py lists them), then run make messages again."

clean:
	rm -rf $(VENV) var db.sqlite3 .pytest_cache .ruff_cache *.egg-info

# Comity: `make run` serves the demo, `make test` runs the whole suite.
# Needs only python3 (3.11 or newer) and make; everything else goes into .venv.
SHELL := /bin/bash

# The first interpreter that is Python 3.11 or newer (override: make PYTHON=python3.12 ...).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	if command -v $$p >/dev/null 2>&1 && \
	   $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
	  echo $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
JOBS ?= 2
PYTEST := $(BIN)/python -m pytest

.PHONY: run test test-sqlite test-postgres install migrate demo lint check-workflows bench clean sandbox \
	wheel check-wheel messages

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
	  echo "Comity needs Python 3.11 or newer: no python3, python3.11, python3.12 or python3.13 found."; \
	  exit 1; fi
	@if [ ! -x $(BIN)/python ]; then \
	  echo "Creating $(VENV) with $$($(PYTHON) --version)"; \
	  $(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	    echo "Cannot create a virtual environment. On Debian/Ubuntu: apt-get install python3-venv"; \
	    exit 1; }; \
	fi
	@echo "Installing Comity and its dependencies into $(VENV) (first time: a minute or two)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(FLASK) db upgrade

# Loads reference data (idempotent) and, on an empty database, the demo data set;
# prints the demo sign-ins either way.
demo: migrate
	$(FLASK) reference load
	$(FLASK) demo load --if-empty

# The demo's printed sign-ins work with a password alone (MLA_REQUIRE_2FA_ROLES=none):
# its data is fictional and people try it without an authenticator app at hand; the
# sign-in page and administrators' dashboards say so (other roles can do nothing about
# it). A live instance requires two steps for admins and supervisors unless told otherwise.
run: demo
	@echo "Serving Comity on http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	MLA_RUN_SCHEDULER=$${MLA_RUN_SCHEDULER:-1} \
	MLA_REQUIRE_2FA_ROLES=$${MLA_REQUIRE_2FA_ROLES:-none} \
	$(FLASK) run --host $(HOST) --port $(PORT)

# A training sandbox (docs/sandbox.md): MLA_MODE=sandbox with its own SQLite file,
# key ring and secret under instance/sandbox/; loads PACK once, prints the trainer login
# the first time and keeps it in instance/sandbox/trainer-password (owner-only).
# Served on localhost so its cookie never mixes with the demo's.
SANDBOX_DIR := instance/sandbox
SANDBOX_PORT ?= 5001
PACK ?= first-week
SANDBOX_ENV = MLA_MODE=sandbox MLA_DATABASE_URL=sqlite:///$(CURDIR)/$(SANDBOX_DIR)/comity.db \
	MLA_KEY_FILE=$(CURDIR)/$(SANDBOX_DIR)/keyring.json MLA_COOKIE_SECURE=0 \
	MLA_SECRET_KEY=$$(cat $(SANDBOX_DIR)/secret_key)

sandbox: $(STAMP)
	@mkdir -p $(SANDBOX_DIR)
	@test -s $(SANDBOX_DIR)/secret_key || (umask 077; $(BIN)/python -c \
	  'import secrets; print(secrets.token_urlsafe(48))' > $(SANDBOX_DIR)/secret_key)
	@$(SANDBOX_ENV) $(FLASK) db upgrade
	@$(SANDBOX_ENV) $(FLASK) reference load
	@$(SANDBOX_ENV) $(FLASK) sandbox load $(PACK) --if-empty --trainer trainer \
	  --password-file $(SANDBOX_DIR)/trainer-password
	@echo "Serving the training sandbox on http://localhost:$(SANDBOX_PORT)/ (Ctrl-C stops it)"
	@$(SANDBOX_ENV) MLA_RUN_SCHEDULER=1 $(FLASK) run --host 127.0.0.1 --port $(SANDBOX_PORT)

# The whole suite on SQLite (browser tests included), then again on PostgreSQL
# (browser tests excluded). PostgreSQL tests skip with the reason when the local
# server does not answer, unless MLA_REQUIRE_POSTGRES=1 (as .ci/run sets).
# Exit code 5 (nothing collected) counts as a failure. Extra pytest options: PYTEST_ARGS=...
# The last lines sum both runs up (pytest's counts, seconds, exit codes); each run's
# output is copied to a temporary file of this `make test` alone (MLA_TEST_LOG), so runs
# started side by side in one checkout do not mix their summaries.
test: $(STAMP)
	@logs=$$(mktemp -d "$${TMPDIR:-/tmp}/comity-make-test.XXXXXX"); \
	start=$$(date +%s); \
	MLA_TEST_LOG=$$logs/sqlite.log $(MAKE) --no-print-directory test-sqlite; sqlite_rc=$$?; \
	middle=$$(date +%s); \
	MLA_TEST_LOG=$$logs/postgres.log $(MAKE) --no-print-directory test-postgres; \
	postgres_rc=$$?; \
	end=$$(date +%s); \
	summary() { grep -E '^=+ .*[0-9]+ (passed|failed|errors?|skipped).* in [0-9.]+s' "$$1" \
	  2>/dev/null | tail -1 | sed -E 's/^=+ //; s/ =+$$//'; }; \
	echo; echo "== make test summary"; \
	printf '   %-11s %4s s  exit %s  %s\n' \
	  SQLite $$((middle - start)) $$sqlite_rc "$$(summary $$logs/sqlite.log)" \
	  PostgreSQL $$((end - middle)) $$postgres_rc "$$(summary $$logs/postgres.log)"; \
	rm -rf "$$logs"; \
	echo "== make test: SQLite run $$((middle - start)) s (exit $$sqlite_rc)," \
	     "PostgreSQL run $$((end - middle)) s (exit $$postgres_rc), total $$((end - start)) s"; \
	[ $$sqlite_rc -eq 0 ] && [ $$postgres_rc -eq 0 ]

test-sqlite: $(STAMP)
	@echo "== Test suite on SQLite, $(JOBS) workers"
	@start=$$(date +%s); rc=0; set -o pipefail; \
	MLA_TEST_DB=sqlite $(PYTEST) -n $(JOBS) --durations=10 $(PYTEST_ARGS) 2>&1 \
	  | tee "$${MLA_TEST_LOG:-/dev/null}" || rc=$$?; \
	echo "== SQLite run: $$(( $$(date +%s) - start )) s, pytest exit code $$rc"; \
	if [ $$rc -eq 5 ]; then echo "== no tests were collected: that is a failure"; fi; \
	exit $$rc

test-postgres: $(STAMP)
	@echo "== Test suite on PostgreSQL, $(JOBS) workers, browser tests excluded"
	@start=$$(date +%s); rc=0; set -o pipefail; \
	MLA_TEST_DB=postgres $(PYTEST) -n $(JOBS) -m 'not browser' --durations=10 $(PYTEST_ARGS) \
	  2>&1 | tee "$${MLA_TEST_LOG:-/dev/null}" || rc=$$?; \
	echo "== PostgreSQL run: $$(( $$(date +%s) - start )) s, pytest exit code $$rc"; \
	if [ $$rc -eq 5 ]; then echo "== no tests were collected: that is a failure"; fi; \
	exit $$rc

# The catalogues (docs/languages.md, "Catalogues and translators"): extract every marked
# string and every data file's words (babel.cfg) into mla/translations/messages.pot, merge
# it into each language's PO file (new and reworded messages untranslated: a guessed
# "fuzzy" match would carry placeholders the new text lacks, which compile refuses), and
# compile the .mo files, which are committed (the wheel needs no build step; a test
# checks they match the PO files). Width 100 is tools/po_chunks.py's, so its writes and
# these never rewrap each other's lines.
TRANSLATIONS := mla/translations
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 \
	  -k lazy_ngettext:1,2 -c TRANSLATORS: -w 100 --project=Comity \
	  --copyright-holder="Comity contributors" -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -w 100 \
	  --ignore-obsolete --no-fuzzy-matching
	$(BIN)/pybabel compile -d $(TRANSLATIONS) --statistics

# ruff, then mypy with the settings in pyproject.toml ([tool.mypy]).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy mla/

check-workflows: $(STAMP)
	$(FLASK) workflows check

# The wheel a production install uses: dist/comity-*.whl (README, "Production").
# build/ is removed before and after: setuptools would ship stale files left in it.
wheel: $(STAMP)
	rm -rf build dist/comity-*.whl
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir dist .
	rm -rf build
	@ls dist/comity-*.whl

# What .ci/run checks: the wheel installed with gunicorn into a fresh venv, run from an
# empty folder (db upgrade, reference load, workflows check, health and sign-in pages).
check-wheel:
	PYTHON=$(PYTHON) .ci/check-wheel

# Every benchmark in bench/ (BENCH=list_page runs one); speed lives here, never in tests.
BENCH ?=
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts

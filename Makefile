# Qorgau — developer and demo commands. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PO_FILES := $(wildcard src/qorgau/locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)
DEMO_ENV := QORGAU_DEMO=true QORGAU_REQUIRE_2FA=false
# No persistent connections in tests, and a cache per process (nothing left on disk): the live server's thread would keep PostgreSQL's test
# database open when pytest drops it.
TEST_ENV := QORGAU_DB_CONN_MAX_AGE=0 QORGAU_CACHE_DIR=memory

.PHONY: install lock messages demo demo-data demo-reset serve test test-sqlite test-postgres lint format bench makemessages clean audit

install: $(STAMP) $(MO_FILES)

# The dependencies come from the lock file, pinned with their hashes (requirements/lock.txt: the
# project with its dev extra; requirements/production.txt: the same versions without it, for the
# deployment), then the project itself without resolving anything. `make lock` refreshes both.
LOCK := requirements/lock.txt
LOCK_PRODUCTION := requirements/production.txt
UV_COMPILE := $(BIN)/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 \
	--python-platform x86_64-manylinux_2_28 --no-strip-extras --custom-compile-command "make lock"

$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "== Installing Qorgau and its dependencies into $(VENV): several minutes on the first run"
	$(BIN)/python -m pip install --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --no-deps -e .
	touch $(STAMP)

# After a change to the dependencies in pyproject.toml: keeps every pin the change allows.
# `make lock LOCK_ARGS=--upgrade` moves every pin to the newest release the bounds allow, and
# `LOCK_ARGS="--upgrade-package django"` one package; then `make install` and `make test`.
lock:
	@test -x $(BIN)/uv || { echo "uv comes with the dev extra: run make install first"; exit 1; }
	$(UV_COMPILE) --extra dev $(LOCK_ARGS) -o $(LOCK)
	$(UV_COMPILE) -c $(LOCK) -o $(LOCK_PRODUCTION)

# Compiled catalogues are build output (not committed); msgfmt comes with GNU gettext.
src/qorgau/locale/%/LC_MESSAGES/django.mo: src/qorgau/locale/%/LC_MESSAGES/django.po
	msgfmt --check-format -o $@ $<

messages: $(MO_FILES)

# The demo data are generated once (about six minutes) and kept: DEMO_STAMP records that the
# whole chain finished; `make demo-reset` generates them again (e.g. to move the demo to today).
DEMO_STAMP := var/.demo-data-ready

demo: install
	mkdir -p var
	$(DEMO_ENV) $(BIN)/qorgau migrate --no-input
	@if [ -f $(DEMO_STAMP) ]; then \
		echo "== Demo data generated on $$(cat $(DEMO_STAMP)) are kept; make demo-reset regenerates them"; \
	else \
		$(MAKE) --no-print-directory demo-data; \
	fi
	$(DEMO_ENV) $(BIN)/qorgau demo_accounts
	@echo ""
	@echo "  Qorgau is starting at http://127.0.0.1:8000  (Ctrl+C stops it)"
	@echo ""
	$(DEMO_ENV) $(BIN)/qorgau runserver 127.0.0.1:8000

demo-data: install
	@echo "== Generating the demo data: synthetic country, linkage, estimates, indicators (about six minutes)"
	rm -f $(DEMO_STAMP)
	$(DEMO_ENV) $(BIN)/qorgau synth --clear --years 2024-$$(date +%Y) --scale 0.02 --seed 1
	$(DEMO_ENV) $(BIN)/qorgau linkage run
	$(DEMO_ENV) $(BIN)/qorgau latency estimate
	$(DEMO_ENV) $(BIN)/qorgau indicators compute
	$(DEMO_ENV) $(BIN)/qorgau rating run --year $$(( $$(date +%Y) - 1 )) --level region
	$(DEMO_ENV) $(BIN)/qorgau programmes evaluate --all
	date +%F > $(DEMO_STAMP)

demo-reset: install
	rm -f $(DEMO_STAMP)
	$(MAKE) --no-print-directory demo

# With QORGAU_TEST_DATABASE_URL set, the two runs go side by side (one core each, each line
# tagged with its database) and the PostgreSQL run keeps its files under var/test-postgres;
# the target fails when either run fails.
test: install
	@if [ -z "$$QORGAU_TEST_DATABASE_URL" ]; then \
		$(MAKE) --no-print-directory test-sqlite test-postgres; \
	else \
		set -o pipefail; \
		( $(MAKE) --no-print-directory test-sqlite 2>&1 | sed -u 's/^/[sqlite] /' ) & sqlite=$$!; \
		( QORGAU_VAR_DIR=$(CURDIR)/var/test-postgres $(MAKE) --no-print-directory test-postgres 2>&1 \
			| sed -u 's/^/[postgres] /' ) & postgres=$$!; \
		wait $$sqlite; sqlite_status=$$?; wait $$postgres; postgres_status=$$?; \
		echo "== make test: SQLite exit $$sqlite_status, PostgreSQL exit $$postgres_status"; \
		[ $$sqlite_status -eq 0 ] && [ $$postgres_status -eq 0 ]; \
	fi

test-sqlite: install
	$(TEST_ENV) QORGAU_DATABASE_URL=sqlite:///$(CURDIR)/var/test.sqlite3 $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install
	@if [ -n "$$QORGAU_TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL: $${QORGAU_TEST_DATABASE_URL%%@*}@…"; \
		$(TEST_ENV) QORGAU_DATABASE_URL="$$QORGAU_TEST_DATABASE_URL" $(BIN)/pytest $(PYTEST_ARGS); \
	else \
		echo "== PostgreSQL tests skipped: QORGAU_TEST_DATABASE_URL is not set (.ci/run sets it)"; \
	fi

lint: install
	$(BIN)/ruff check src benchmarks scripts
	$(BIN)/ruff format --check src benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/qorgau makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix src benchmarks scripts
	$(BIN)/ruff format src benchmarks scripts

# BENCH_ROWS: incident rows for the import benchmark (1000000 for the issue's full figure).
BENCH_ROWS ?= 50000
BENCH_SCALE ?= 0.05
bench: install
	QORGAU_BENCH_ROWS=$(BENCH_ROWS) QORGAU_BENCH_SCALE=$(BENCH_SCALE) $(BIN)/python benchmarks/run.py

# Refresh the catalogues after changing user-facing strings, then translate the new entries.
makemessages: install
	cd src/qorgau && ../../$(BIN)/qorgau makemessages --no-obsolete --no-location -l kk -l ru -l en

clean:
	rm -rf $(VENV) var src/*.egg-info

# Known vulnerabilities in the installed dependencies (pip-audit). Needs the network: kept out of CI.
audit: install
	$(BIN)/pip-audit --local --skip-editable --strict --progress-spinner off --desc on

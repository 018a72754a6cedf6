# The command contract (DESIGN.md §11): `make run` sets up and serves the app with demo data;
# `make test` runs lint, types and the whole test suite; `make bench` runs the benchmarks.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: lock run dev serve test test-slow test-browser soak bench lint format typecheck translations translations-update db demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Dependencies are locked with their hashes (requirements*.txt, compiled from requirements*.in by `make lock`).
$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt
	touch $@

# For maintainers: after changing requirements.in or requirements-dev.in (direct dependencies and their ranges),
# compile the locked files with every transitive dependency and its hashes.
PIP_COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --no-emit-trusted-host
lock: $(VENV)/.installed-dev
	$(PIP_COMPILE) --output-file requirements.txt requirements.in
	$(PIP_COMPILE) --output-file requirements-dev.txt requirements-dev.in

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d translations --statistics

# For maintainers: collect new strings into the catalogues (then translate them in translations/vi).
translations-update: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot \
		--no-location --sort-output --width 110 --project roadmap-service --copyright-holder "Roadmap service" .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete --width 110

db: $(VENV)/.installed
	$(BIN)/flask db upgrade

demo: db translations
	$(BIN)/flask demo load

# The embedded default (DESIGN.md §10) as a new user gets it: gunicorn with gunicorn.conf.py, SQLite under
# instance/, demo data, jobs and e-mail in process. What `make run` serves is a production server.
# Beside it, the demo's reports of the day are rendered in the background (`flask demo reports`, as the
# nightly `flask report prerender` does in production; log in instance/report-prerender.log), stopped with
# the server.
run: demo
	@echo "Serving with gunicorn on http://$(HOST):$(PORT)  (stop with Ctrl+C; 'make dev' for the reloading development server)"
	@$(BIN)/flask demo reports > instance/report-prerender.log 2>&1 & prerender=$$!; \
	trap 'kill $$prerender 2>/dev/null' EXIT INT TERM; \
	GUNICORN_BIND=$(HOST):$(PORT) $(BIN)/gunicorn --config gunicorn.conf.py

# The Flask development server, reloading on every change, with the debugger: for working on the code only.
dev: demo
	$(BIN)/flask run --debug --host $(HOST) --port $(PORT)

# The production shape on this machine without demo data: gunicorn with gunicorn.conf.py (set ROADMAP_ENV,
# SECRET_KEY, GUNICORN_BIND, …).
serve: db translations
	$(BIN)/gunicorn --config gunicorn.conf.py

# ruff, and the direction of dependency (import-linter contracts in pyproject.toml; docs/architecture.md).
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy --strict roadmap/engine

CHROMIUM_PATH ?= /usr/bin/chromium
# The suite runs on every core (pytest-xdist): a test file per worker so that its module fixtures are built once,
# the browser journeys together on one worker (tests/conftest.py, pytest_collection_modifyitems).
TEST_WORKERS ?= auto

test: $(VENV)/.installed-dev translations lint typecheck
	@test -x "$(CHROMIUM_PATH)" || echo "*** No Chromium at $(CHROMIUM_PATH): the browser tests (tests/browser) are SKIPPED (apt-get install chromium). ***"
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup -m "not soak and not slow" $(PYTEST_ARGS)

# The tests marked slow (tests/conftest.py, SLOW_ON_POSTGRESQL; the property tests): left out of `make test` so
# that CI stays within its time; run them before a release.
test-slow: $(VENV)/.installed-dev translations
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup -m slow $(PYTEST_ARGS)

# Durability under faults (issue 9): gunicorn on loopback, workers killed, simultaneous submits (≤ 4 min).
soak: $(VENV)/.installed-dev translations
	mkdir -p build
	$(BIN)/python -m pytest -q -m soak -s tests/test_soak.py $(PYTEST_ARGS)

# The real-browser journeys alone (Debian's Chromium, Playwright, axe-core); screenshots in build/screenshots/.
test-browser: $(VENV)/.installed-dev translations
	$(BIN)/python -m pytest -q tests/browser $(PYTEST_ARGS)

# The web part drives gunicorn with wrk (Debian's package, installed here when missing); with
# TEST_POSTGRES_URL set, the web figures are measured on PostgreSQL too.
bench: $(VENV)/.installed-dev
	mkdir -p build
	command -v wrk >/dev/null || (apt-get install -y -q wrk >/dev/null 2>&1 || sudo apt-get install -y -q wrk)
	$(BIN)/python -m bench

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache

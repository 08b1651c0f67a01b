# The portal's commands. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
EMULATOR_PORT ?= 8001
EMULATOR ?= on

.DEFAULT_GOAL := help
.PHONY: help run test test-fast serve lint migrations-check typecheck check lock bench load clean \
	messages

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# The locks (requirements*.txt, from the .in files by `make lock`) pin every package with its hashes.
PIP_INSTALL := $(PY) -m pip install -qq --disable-pip-version-check --require-hashes
$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PIP_INSTALL) -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PIP_INSTALL) -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

.env:
	$(PY) -m portal.make_env .env

run: $(VENV)/.runtime .env ## Serve the portal on http://127.0.0.1:8000 with the ECL emulator and a demo tenant
	DJANGO_SETTINGS_MODULE=portal.settings_dev $(PY) manage.py rundemo --port $(PORT) \
		--emulator-port $(EMULATOR_PORT) $(if $(filter off,$(EMULATOR)),--no-emulator)

OIDC_PROVIDER := tests/oidc/provider
$(OIDC_PROVIDER)/node_modules: $(OIDC_PROVIDER)/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix $(OIDC_PROVIDER) --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the tests with the OpenID provider will be skipped"; fi

AXE := tests/e2e/axe
$(AXE)/node_modules: $(AXE)/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix $(AXE) --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the accessibility check (axe-core) will be skipped"; fi

# Test processes (pytest-xdist), each with its own emulator, database, cache keys and browser:
# `auto` is one per core; `make test N=1` runs in one process. ARGS goes to pytest as it is.
N ?= auto
ARGS ?=
PYTEST := $(VENV)/bin/pytest -n $(N) --dist loadgroup
test: $(VENV)/.dev $(OIDC_PROVIDER)/node_modules $(AXE)/node_modules ## Run the whole test suite
	$(PYTEST) $(ARGS)

test-fast: $(VENV)/.dev ## Run the suite without the tests marked slow: under a minute
	$(PYTEST) -m "not slow"

serve: $(VENV)/.runtime ## Serve production-style: gunicorn, static files by whitenoise
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py migrate --noinput
	$(VENV)/bin/gunicorn portal.wsgi --bind 127.0.0.1:$(PORT) --workers 2 --threads 4 \
		--timeout 30 --forwarded-allow-ips="$${FORWARDED_ALLOW_IPS:-127.0.0.1}"

bench: $(VENV)/.dev ## Measure the portal against the ECL API side by side (writes bench/results.json)
	$(PY) -m bench.run

load: $(VENV)/.dev ## Load test: 50 users for 60 s, healthy and with 20% upstream 503s (locust)
	$(PY) -m bench.load

lint: $(VENV)/.dev ## Check the code with ruff (lint and format)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

migrations-check: $(VENV)/.dev ## Fail when a model change has no migration
	DJANGO_SETTINGS_MODULE=portal.settings_test $(PY) manage.py makemigrations --check --dry-run

typecheck: $(VENV)/.dev ## Check the types with mypy (django-stubs, DRF stubs; see pyproject.toml)
	$(VENV)/bin/mypy

check: lint migrations-check typecheck ## The three checks CI runs before the tests

# Re-lock after changing a .in file; `make lock UPGRADE="urllib3 certifi"` also moves those
# packages to their newest versions (the README's "Dependencies" says when).
UPGRADE ?=
LOCK := $(VENV)/bin/uv pip compile --quiet --generate-hashes --python-version 3.11 \
	--custom-compile-command "make lock" $(foreach p,$(UPGRADE),--upgrade-package $(p))
lock: $(VENV)/.dev ## Compile requirements*.txt (pinned, with hashes) from requirements*.in
	$(LOCK) requirements.in -o requirements.txt
	$(LOCK) requirements-dev.in -o requirements-dev.txt

# The .mo files are committed, so `make run` needs no gettext; this target needs GNU gettext.
I18N_IGNORE := --ignore=.venv --ignore=tests --ignore=bench --ignore=ecl_emulator --ignore=staticfiles
messages: $(VENV)/.runtime .env ## Update the Japanese catalog from the code (GNU gettext), then compile it
	$(PY) manage.py makemessages -l ja --no-obsolete --add-location=file $(I18N_IGNORE)
	$(PY) manage.py compilemessages -l ja $(I18N_IGNORE)

clean: ## Remove the virtualenv, collected static files and caches (keeps .env and the database)
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .mypy_cache

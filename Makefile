# The two commands: `make run` and `make test`. Everything else is a helper for them.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
TINHSO := $(VENV)/bin/tinhso
PYTHON ?= $(shell scripts/find-python)
HOST ?= 127.0.0.1
PORT ?= 8000
RUN_ENV := DEBUG=1

.PHONY: run test lint format bench install install-test migrate demo worker messages clean

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { scripts/find-python; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $@

# Front-end libraries from npm (pinned by package-lock.json), copied into our static files.
STATIC_STAMP := tinhso/web/static/vendor/.stamp
$(STATIC_STAMP): package.json package-lock.json scripts/vendor-static
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	scripts/vendor-static
	@touch $@

install: $(VENV)/.installed $(STATIC_STAMP)
install-test: $(VENV)/.installed-test $(STATIC_STAMP)

migrate: install
	@mkdir -p var
	$(RUN_ENV) $(TINHSO) migrate --no-input
	$(RUN_ENV) $(TINHSO) createcachetable

demo: migrate
	$(RUN_ENV) $(TINHSO) demo load

## make run: install, migrate, load the demo province, serve on http://127.0.0.1:8000 with the task worker
run: demo
	$(RUN_ENV) $(TINHSO) collectstatic --no-input --verbosity 0
	$(RUN_ENV) $(TINHSO) demo logins
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl+C stops the server and the worker)"
	@$(RUN_ENV) $(TINHSO) worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(RUN_ENV) $(TINHSO) runserver --noreload $(HOST):$(PORT)

worker: migrate
	$(RUN_ENV) $(TINHSO) worker

## make test: install test dependencies, lint, run the whole suite (SQLite, or DATABASE_URL when set)
test: install-test
	@mkdir -p var
	$(VENV)/bin/ruff check tinhso bench tests
	$(VENV)/bin/ruff format --check tinhso bench tests
	TINHSO_TESTING=1 $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install-test
	$(VENV)/bin/ruff check tinhso bench tests

format: install-test
	$(VENV)/bin/ruff check --fix tinhso bench tests
	$(VENV)/bin/ruff format tinhso bench tests

bench: install-test
	$(RUN_ENV) $(PY) -m bench

## make messages: refresh the English catalogue after changing Vietnamese UI strings, then compile it
messages: install
	cd tinhso && $(RUN_ENV) ../$(TINHSO) makemessages -l en --ignore "*/tests/*" --no-obsolete
	cd tinhso && $(RUN_ENV) ../$(TINHSO) compilemessages

clean:
	rm -rf $(VENV) var

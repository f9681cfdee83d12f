# meterops — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_CUSTOMERS ?= 3000
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := meterops.settings

.PHONY: run test install migrate lint format bench screenshots clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,redis]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	DEBUG=$${DEBUG-1} $(BIN)/python manage.py migrate --noinput

# Installs, migrates, loads the demo data on the first run only, prints the logins, serves;
# a background worker (uploads, campaigns) runs alongside and stops with the server on Ctrl+C.
run: migrate
	DEBUG=$${DEBUG-1} $(BIN)/python manage.py seed_demo --if-empty --customers $(DEMO_CUSTOMERS)
	@echo "\nmeterops: http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	@DEBUG=$${DEBUG-1} $(BIN)/python manage.py run_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=$${DEBUG-1} $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The whole suite: lint, the import layers (pyproject.toml [tool.importlinter]), migrations in
# step with the models, unit, integration and browser tests.
test: install
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	DEBUG=1 $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: install
	$(BIN)/python bench/bench_sts.py

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache .import_linter_cache

screenshots: install
	DEBUG=1 METEROPS_SCREENSHOTS=docs/screenshots METEROPS_MOBILE_GUIDE=1 $(BIN)/pytest tests/browser -q

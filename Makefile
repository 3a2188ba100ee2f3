# Linli — the first commands work on a fresh machine with Python 3.11+, make and Node.js.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTHON := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed
VENDOR := linli/static/vendor

.PHONY: run setup test lint bench assets messages demo clean help

help:
	@echo "make run    set up and serve the demo at http://$(HOST):$(PORT) (SQLite, demo data)"
	@echo "make test   set up, then ruff, mypy, makemigrations --check, translations and pytest"
	@echo "make bench  run the benchmarks in bench/ (see bench/README.md)"
	@echo "make lint   ruff format check and lint, mypy"

$(PYTHON):
	$(PY) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PYTHON)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/
	cp node_modules/bootstrap/dist/css/bootstrap.min.css $(VENDOR)/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js $(VENDOR)/
	touch $@

assets: $(VENDOR)/.installed

setup: $(STAMP) assets
	$(PYTHON) -m linli.core.i18n_compile

run: setup
	$(PYTHON) manage.py migrate --noinput
	$(PYTHON) manage.py demo_data --once
	@$(PYTHON) manage.py demo_logins
	$(PYTHON) manage.py runserver $(HOST):$(PORT)

lint: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy linli bench tests_lib

test: lint
	$(PYTHON) manage.py makemigrations --check --dry-run
	$(PYTHON) -m linli.core.i18n_compile --check
	$(BIN)/pytest $(PYTEST_ARGS)
	@$(PYTHON) -m linli.core.browser_notice

bench: setup
	$(PYTHON) -m pip install --quiet -e '.[dev,bench]'
	$(PYTHON) bench/run_all.py

messages: setup
	$(PYTHON) manage.py makemessages -l zh_Hans --ignore=node_modules --ignore=.venv --ignore=bench
	$(PYTHON) -m linli.core.i18n_compile

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache .mypy_cache .ruff_cache

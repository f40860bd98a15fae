# Coélab: the two commands of the README are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TRANSLATIONS := platform/coelab/translations
export COELAB_INSTANCE_PATH ?= $(CURDIR)/instance

.PHONY: run test check setup lint translations screenshots clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

FRONTEND_BUNDLE := platform/coelab/static/dist/editor.js
# the bundle and its precompressed copies, written together by frontend/build.mjs
# (served by coelab.assets, or by nginx's brotli_static/gzip_static)
FRONTEND_FILES := $(FRONTEND_BUNDLE) $(FRONTEND_BUNDLE).br $(FRONTEND_BUNDLE).gz

frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

$(FRONTEND_FILES) &: frontend/node_modules/.package-lock.json frontend/build.mjs $(wildcard frontend/src/*.js)
	cd frontend && npm run build

setup: $(VENV)/.installed $(FRONTEND_FILES)

## Set up everything and start the app at http://127.0.0.1:5000 on SQLite with demo data.
run: setup
	$(BIN)/coelab db upgrade
	$(BIN)/coelab catalogue load
	$(BIN)/coelab demo
	$(BIN)/coelab serve --host 127.0.0.1 --port 5000

## Set up everything and run the whole test suite (lint included).
test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## The fast lane, for the inner loop: lint, then the tests neither `slow` nor `browser`.
check: lint
	$(BIN)/python -m pytest -m "not slow and not browser" -q $(PYTEST_ARGS)

## The linters: ruff, the code's layers (import-linter, contracts in pyproject.toml),
## ESLint and the front end's unit tests.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	cd frontend && npm run --silent lint && npm test --silent

## After changing UI text: extract, merge into the English catalogue, compile.
translations: setup
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 \
	  --no-location --sort-output --project Coelab -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-obsolete
	$(BIN)/python -c "from coelab.i18n import fill_source_plurals; fill_source_plurals('$(TRANSLATIONS)/fr/LC_MESSAGES/messages.po')"
	$(BIN)/pybabel compile -d $(TRANSLATIONS) --statistics

## Screenshots of the main pages as each demo role, at 1366 and 390 px wide, into
## screenshots/ (a demo server of its own; headless Chromium at /usr/bin/chromium).
screenshots: setup
	$(BIN)/python scripts/screenshots.py $(SCREENSHOTS_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info

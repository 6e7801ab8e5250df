# A user needs two commands: `make demo` and `make test`. Both create .venv on
# first use and (re)install the package when its sources change.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEPS   := $(VENV)/.deps-installed
PKG    := $(VENV)/.pkg-installed
SOURCES := $(shell find engine cli rules -type f \( -name '*.py' -o -name '*.yaml' -o -name '*.json' \)) pyproject.toml

.PHONY: demo test lint bench schema clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel

# Dependencies (durable-rules compiles a C extension: about 15 s the first time).
$(DEPS): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet ".[test,dev,cohort,board]"
	touch $@

# The package itself, installed (not editable) so tests use the rule files
# exactly as an installed user gets them, from package data.
$(PKG): $(DEPS) $(SOURCES)
	$(BIN)/python -m pip install --quiet --no-deps --force-reinstall --no-build-isolation .
	rm -rf build
	touch $@

demo: $(PKG)
	$(BIN)/prognosis compare examples/lung-metastases-lms.yaml

# Lint first, so that pytest's summary is the last line CI prints.
test: $(PKG)
	$(BIN)/ruff check engine cli tests bench
	$(BIN)/mypy engine cli
	$(BIN)/prognosis rules check --strict rules
	$(BIN)/prognosis rules test rules
	$(BIN)/prognosis rules schema --output rules/schema --check
	$(BIN)/python -m pytest -q

lint: $(PKG)
	$(BIN)/ruff check engine cli tests bench
	$(BIN)/mypy engine cli

schema: $(PKG)
	$(BIN)/prognosis rules schema --output rules/schema

bench: $(PKG)
	$(BIN)/python bench/compare_startup.py
	$(BIN)/python bench/cohort.py

# The HTML report in headless Chromium at 1280 px and A4 width, chromium's print of it and
# the PDF export, each page drawn with poppler's pdftoppm: fails on a blank page, overflow
# or a page that is not A4. Installs Debian's chromium and poppler-utils if missing (needs
# root); `make test` needs neither.
.PHONY: test-browser
test-browser: $(PKG)
	test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)
	command -v pdftoppm > /dev/null || (apt-get update && apt-get install -y poppler-utils)
	$(BIN)/python tests/browser/check_report.py /usr/bin/chromium

clean:
	rm -rf $(VENV) build *.egg-info

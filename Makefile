# A user needs two commands: `make demo` and `make test`. Both create .venv on
# first use and (re)install the package when its sources change.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEPS   := $(VENV)/.deps-installed
PKG    := $(VENV)/.pkg-installed
# mypy cannot follow the editable install's import hook: it reads the checkout
# through this tree of links (prognosis/engine -> engine/, ...) instead.
TYPECHECK := $(VENV)/typecheck
MYPY   := MYPYPATH=$(TYPECHECK) $(BIN)/mypy -p prognosis.engine -p prognosis.cli
SOURCES := $(shell find engine cli rules -type f \( -name '*.py' -o -name '*.yaml' -o -name '*.json' \)) pyproject.toml

.PHONY: demo test lint bench schema clean wheel-check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel

# Dependencies (durable-rules compiles a C extension: about 15 s the first time).
$(DEPS): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet ".[test,dev,cohort,board]"
	touch $@

# The package itself, installed editable: `pytest` and `prognosis` in .venv
# see the working tree as it is now, so an edit needs no reinstall (only a change
# to pyproject.toml does). What an installed user gets is checked by `wheel-check`.
$(PKG): $(DEPS) pyproject.toml
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation --editable .
	rm -rf build
	mkdir -p $(TYPECHECK)/prognosis
	for d in engine cli rules; do ln -sfn ../../../$$d $(TYPECHECK)/prognosis/$$d; done
	touch $@

# The installed-wheel checks: build a wheel, install it into its own venv
# (.venv-wheel, never editable) and run tests/installed there: package data,
# start-up imports, and the bundled rules as the wheel ships them.
WHEEL_VENV := .venv-wheel
wheel-check: $(DEPS) $(SOURCES)
	rm -rf build dist
	$(BIN)/python -m pip wheel --quiet --no-deps --no-build-isolation --wheel-dir dist .
	rm -rf build
	test -x $(WHEEL_VENV)/bin/python || $(PYTHON) -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/python -m pip install --quiet --force-reinstall dist/*.whl "pytest>=8,<10"
	cd tests/installed && ../../$(WHEEL_VENV)/bin/python -m pytest -q -p no:cacheprovider \
		--rootdir . -c /dev/null .

demo: $(PKG)
	$(BIN)/prognosis compare examples/lung-metastases-lms.yaml

# Lint first, so that pytest's summary is the last line CI prints.
test: $(PKG)
	$(BIN)/ruff check engine cli tests bench
	$(MYPY)
	$(BIN)/prognosis rules check --strict rules
	$(BIN)/prognosis rules test rules --min-coverage 100 --mutate
	$(BIN)/prognosis rules schema --output rules/schema --check
	$(MAKE) --no-print-directory wheel-check
	$(BIN)/python -m pytest -q

lint: $(PKG)
	$(BIN)/ruff check engine cli tests bench
	$(MYPY)

schema: $(PKG)
	$(BIN)/prognosis rules schema --output rules/schema

# Start-up is timed on the installed wheel: the editable install's import hook
# costs start-up time that no user pays.
bench: $(PKG) wheel-check
	$(WHEEL_VENV)/bin/python bench/compare_startup.py
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
	rm -rf $(VENV) $(WHEEL_VENV) build dist *.egg-info

# Two commands a user needs: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet ".[test,dev]"
	touch $(STAMP)

# Reinstall when sources change: the package is installed (not editable) so that
# tests exercise the rule files exactly as an installed user gets them.
install: $(STAMP) $(shell find engine cli rules -type f -not -path '*/__pycache__/*')
	$(BIN)/python -m pip install --quiet --no-deps --force-reinstall .
	touch install

demo: install
	$(BIN)/prognosis compare examples/lung-metastases-lms.yaml

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check engine cli tests bench
	$(BIN)/ruff format --check engine cli tests bench
	$(BIN)/mypy engine cli

bench: install
	$(BIN)/python bench/compare_startup.py

clean:
	rm -rf $(VENV) install build *.egg-info

# Two commands do all the set-up on a fresh machine (see README):
#   make report   -> creates .venv, installs, runs `chasm-theory report --profile quick`
#   make test     -> creates .venv, installs, runs the whole test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup report test lint bench

$(BIN)/chasm-theory: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test,ray]'
	touch $(BIN)/chasm-theory

setup: $(BIN)/chasm-theory

report: setup
	$(BIN)/chasm-theory report --profile quick

lint: setup
	$(BIN)/ruff check .

test: setup lint
	HYPOTHESIS_PROFILE=ci $(BIN)/python -m pytest -n 2 -q

bench: setup
	$(BIN)/python bench/oracle_filters.py

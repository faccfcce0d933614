# The two commands of the README, and the pieces they are made of.
# Needs only Python 3.11+ (python3 on the PATH, or PYTHON=/path/to/python3.11).

PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install install-dev setup lint ci clean

## make run: install, migrate the embedded database, load the demo, compile messages, serve.
run: install setup
	$(PY) manage.py runserver $(HOST):$(PORT)

## make test: install the test tools and run the whole suite on the embedded default (SQLite).
test: install-dev
	$(PY) manage.py compile_catalogues
	$(PY) -m pytest

$(VENV)/bin/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "KEM needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

install: $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .

install-dev: $(VENV)/bin/python
	$(PY) -m pip install --quiet -e ".[dev]"

setup:
	$(PY) manage.py migrate --noinput
	$(PY) manage.py compile_catalogues
	$(PY) manage.py seed_demo

lint: install-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) -m mypy
	$(PY) manage.py makemigrations --check --dry-run

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

# The two commands of the README, and the pieces they are made of.
# Needs only Python 3.11+ (python3 on the PATH, or PYTHON=/path/to/python3.11).

PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run run-banner test install install-dev lock setup lint ci clean backup restore

## make run: install, migrate the embedded database, load the demo, compile messages, serve.
run: run-banner install setup
	@echo "KEM: serving the demo at http://$(HOST):$(PORT)/ (Ctrl-C stops it)."
	KEM_SITE_URL="$${KEM_SITE_URL:-http://$(HOST):$(PORT)}" $(PY) manage.py runserver $(HOST):$(PORT)

# Links e-mailed to partners name the address served here unless KEM_SITE_URL says otherwise.
run-banner:
	@echo "KEM: installing, migrating the embedded database, loading the demo and compiling messages;"
	@echo "     the first run takes a couple of minutes, later runs start in seconds."

## make test: install the test tools and run the whole suite on the embedded default (SQLite),
## in one pytest-xdist process per core (TEST_WORKERS=0 runs it in this one process).
TEST_WORKERS ?= auto

test: install-dev
	$(PY) manage.py compile_catalogues
	$(PY) -m pytest -n $(TEST_WORKERS)

$(VENV)/bin/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "KEM needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Dependencies come from the locks (exact versions and hashes), the project itself without them
# (editable). A stamp in the venv remembers what was installed, so that `make test` and `make run`
# reinstall only when a lock or pyproject.toml changed.
install: $(VENV)/.installed-base

install-dev: $(VENV)/.installed-dev

$(VENV)/.installed-base: requirements/base.txt pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements/base.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements/dev.txt pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements/dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed-base

## make lock: recompile the locks from pyproject.toml after changing a dependency there. Versions
## already locked are kept; `make lock LOCK_FLAGS=--upgrade` moves everything to the newest allowed.
## Universal (every platform and Python >= 3.11 in one file) and hashed, so plain pip installs them.
UV_VERSION ?= 0.13.10
LOCK_FLAGS ?=
UV_COMPILE  = $(VENV)/bin/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 \
              --generate-hashes --custom-compile-command "make lock" $(LOCK_FLAGS)

lock: $(VENV)/bin/python
	$(PY) -m pip install --quiet "uv==$(UV_VERSION)"
	$(UV_COMPILE) -o requirements/base.txt
	$(UV_COMPILE) --extra dev -c requirements/base.txt -o requirements/dev.txt

setup:
	$(PY) manage.py migrate --noinput
	$(PY) manage.py compile_catalogues
	$(PY) manage.py seed_demo

## make backup: a data backup (no key material, no blind index) into KEM_BACKUP_DIR and a key
## backup into KEM_KEY_BACKUP_DIR, each pruned to its own retention (docs/OPERATIONS.md).
backup:
	$(PY) manage.py vault_backup

## make restore DATA=<data backup> [KEYS=current|newest|<key backup>]: replace the database by the
## data backup with those keys (default: the keys of the database being replaced), check the
## foreign keys and rebuild the blind index. Stop the web and worker first. Asks before it starts.
KEYS ?= current
restore:
	@test -n "$(DATA)" || { echo "usage: make restore DATA=<data backup> [KEYS=current|newest|<key backup>]"; exit 2; }
	$(PY) manage.py vault_restore --data "$(DATA)" --keys "$(KEYS)"

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

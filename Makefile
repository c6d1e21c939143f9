# flowbot's developer tasks. `make test` is the whole gate, from a fresh clone: it makes
# the virtualenv, installs the test servers, then runs ruff, mypy and pytest.
# `make help` lists the targets. Pass pytest options with PYTEST_ARGS="-k webhook -x".

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := test
.DELETE_ON_ERROR:

PYTHON ?= python3
PYTEST_ARGS ?=
# One pytest worker per core, an idle one taking queued tests from a busy one (the eval's
# and the wheel's tests take minutes); `make pytest PYTEST_WORKERS=0` runs in one process.
PYTEST_WORKERS ?= auto
VENV := .venv
BIN := $(VENV)/bin
# Touched after a successful install; older than pyproject.toml means "install again".
STAMP := $(VENV)/.installed-from-pyproject
# The test infrastructure is typed strictly too; `mypy` alone checks pyproject's packages.
TEST_INFRA := tests/conftest.py tests/support tests/test_services.py

.PHONY: help test venv services lint typecheck pytest demo

## help: list the targets
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

## test: the whole gate: lint, typecheck, pytest (`make -k test` runs all three even if one fails)
test: lint typecheck pytest

## venv: create .venv and `pip install -e '.[dev]'`; again only when pyproject.toml changes
venv: $(STAMP)

# The bare virtualenv (Python 3.11+; installs Debian's python3-venv when it is missing).
$(BIN)/python:
	bash scripts/make-venv.sh $(PYTHON) $(VENV)

# The editable install with dev extras, redone when pyproject.toml is newer than the stamp.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

## services: install bubblewrap, redis-server, PostgreSQL and wrk with apt-get when missing
services:
	bash scripts/install-services.sh

## lint: ruff over the whole repository
lint: venv
	$(BIN)/ruff check .

## typecheck: mypy --strict over pyproject's packages, then over the test infrastructure
typecheck: venv
	$(BIN)/mypy
	$(BIN)/mypy $(TEST_INFRA)

## pytest: the test suite on every core (pytest-xdist); any non-zero pytest exit fails, 5 (no tests ran) included
pytest: venv services
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

## demo: the whole loop on this machine: issue → PR, /revise → commit, failure → repair PR
demo: venv services
	$(BIN)/flowbot demo

# Two commands do everything on a fresh machine (see README):
#   make demo   install, then run order-to-cash against the local sandbox
#   make test   install, then ruff, mypy and pytest
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Prefect keeps its database and profile inside the project, never in ~/.prefect.
export PREFECT_HOME := $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export STOREBRIDGE_HOME ?= $(CURDIR)/.storebridge

SUDO := $(shell if [ "$$(id -u)" != 0 ] && command -v sudo >/dev/null; then echo sudo; fi)

.PHONY: help install system-deps demo test lint typecheck pytest ui sandbox screenshot prefect-yaml constraints clean

PORT ?= 4200
ARGS ?=

help:
	@echo "make demo    install and run order-to-cash on the sandbox (local Prefect + SQLite)"
	@echo "make test    install and run ruff, mypy and pytest"
	@echo "make ui      start the local Prefect server/UI on http://127.0.0.1:\$$PORT (default 4200; same database as the demo)"
	@echo "make sandbox run the emulators standalone and print their URLs (ARGS='--env-file .env' ...)"
	@echo "make screenshot  a real run's pages in the Prefect UI as PNGs, by headless Chromium"
	@echo "make prefect-yaml  render prefect.yaml from the registry after adding a system or use case"

install: system-deps $(STAMP)

# unixODBC and the SQLite ODBC driver back the Sage 300 connector (pyodbc needs libodbc at import).
system-deps:
	@if ldconfig -p | grep -q 'libodbc\.so\.2' && odbcinst -q -d 2>/dev/null | grep -qi sqlite; then \
	  echo "system packages: unixODBC and the SQLite ODBC driver are present"; \
	else \
	  echo "system packages: installing unixodbc and libsqliteodbc"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $(SUDO) apt-get install -y -q --no-install-recommends unixodbc libsqliteodbc >/dev/null \
	  || { $(SUDO) apt-get update -q >/dev/null && \
	       $(SUDO) apt-get install -y -q --no-install-recommends unixodbc libsqliteodbc >/dev/null; } \
	  || { echo "could not install unixodbc/libsqliteodbc: install them with your package manager"; exit 1; }; \
	fi

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=24"
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	@touch $@

demo: install
	$(BIN)/storebridge demo

test: install lint typecheck pytest

lint:
	$(BIN)/ruff check .

typecheck:
	$(BIN)/mypy --strict connectors transforms
	$(BIN)/mypy flows deployments sandbox

pytest:
	$(BIN)/pytest $(PYTEST_ARGS)

ui: install
	$(BIN)/prefect server start --host 127.0.0.1 --port $(PORT)

sandbox: install
	$(BIN)/storebridge sandbox $(ARGS)

# Needs chromium (apt-get install chromium); writes .storebridge/screenshots/*.png.
screenshot: install
	$(BIN)/python -m sandbox.screenshot $(ARGS)

# prefect.yaml is rendered from the registry (every use case of every store <-> back-office pair).
prefect-yaml: install
	$(BIN)/python -m deployments.render --write

# Re-pin the whole tree after changing a range in pyproject.toml (no index URLs are written).
constraints:
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^storebridge' > constraints.txt

clean:
	rm -rf $(VENV) .prefect .storebridge .pytest_cache .mypy_cache .ruff_cache

# The two commands of the README: `make run` (service + demo data on SQLite) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-dev migrate seed scheduler clean scenario

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/flask --app wsgi db upgrade

seed: migrate
	$(BIN)/flask --app wsgi seed demo

run: seed
	SCHEDULER_AUTOSTART=$${SCHEDULER_AUTOSTART:-true} $(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

scheduler: install
	$(BIN)/flask --app wsgi scheduler run

clean:
	rm -rf $(VENV) instance .pytest_cache

# The end-to-end journey against a running service (`make run` in another terminal).
scenario: install-dev
	$(BIN)/python -m seeds.scenario --base-url http://$(HOST):$(PORT)

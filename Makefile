# The two commands of the README: `make run` (service + demo data on SQLite) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# The suite runs in parallel (pytest-xdist): most tests wait on sockets, servers and the database more
# than they compute, so more workers than cores pays. TEST_WORKERS=0 runs it in this one process.
TEST_WORKERS ?= 4

.PHONY: run test install install-dev migrate seed scheduler clean scenario consoles

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools  # the venv's own setuptools is old and has known CVEs

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

run: seed consoles
	SCHEDULER_AUTOSTART=$${SCHEDULER_AUTOSTART:-true} $(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

test: install-dev consoles
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --durations=25 $(PYTEST_ARGS)

scheduler: install
	$(BIN)/flask --app wsgi scheduler run

clean:
	rm -rf $(VENV) instance .pytest_cache consoles/node_modules consoles/static/vendor $(SWAGGER_UI)

# The browser dependencies the service serves, from npm (pinned in consoles/package-lock.json): the official
# socket.io client, copied where /app/vendor/socket.io.min.js serves it, and Swagger UI (swagger-ui-dist), where
# the API docs page /api/v1/docs serves it. Without npm the pages say so (the consoles work without live
# updates; the docs page points to /api/v1/openapi.json).
SOCKET_IO_JS := consoles/static/vendor/socket.io.min.js
SWAGGER_UI := core/static/swagger-ui
SWAGGER_UI_FILES := swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE
consoles: $(SOCKET_IO_JS) $(SWAGGER_UI)/swagger-ui-bundle.js
$(SOCKET_IO_JS) $(SWAGGER_UI)/swagger-ui-bundle.js &: consoles/package.json consoles/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  cd consoles && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && cd .. && \
	  mkdir -p $(dir $(SOCKET_IO_JS)) $(SWAGGER_UI) && \
	  cp consoles/node_modules/socket.io-client/dist/socket.io.min.js $(SOCKET_IO_JS) && \
	  for f in $(SWAGGER_UI_FILES); do cp consoles/node_modules/swagger-ui-dist/$$f $(SWAGGER_UI)/; done; \
	else echo "npm is missing: the consoles run without the Socket.IO client and /api/v1/docs without Swagger UI" \
	  "(apt-get install npm)"; fi

# The end-to-end journey against a running service (`make run` in another terminal).
scenario: install-dev
	$(BIN)/python -m seeds.scenario --base-url http://$(HOST):$(PORT)

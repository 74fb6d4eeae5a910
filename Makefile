# Two commands: `make run` and `make test`. Each creates .venv and installs what it needs first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test test-sqlite test-postgres bench lint install install-test system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# A random SECRET_KEY, written once; instance/ contents other than its README are git-ignored.
instance/config.py:
	$(BIN)/python -c "import secrets; print(f'SECRET_KEY = {secrets.token_hex(32)!r}')" > $@
	chmod 600 $@

# HOST and PORT choose where it listens: PORT=8080 make run. A taken port stops here, naming it.
run: install instance/config.py
	@$(BIN)/python -m clinic.serve check $(HOST) $(PORT)
	$(BIN)/clinic db upgrade
	$(BIN)/clinic demo --if-empty
	@echo ""
	@echo "Plain HTTP on loopback, so cookies are not marked Secure here; see README for HTTPS deployment."
	@echo "Starting on $(HOST):$(PORT)... (the address follows once it answers)"
	CLINIC_SESSION_COOKIE_SECURE=false $(BIN)/gunicorn -c python:clinic.serve --workers 2 --bind $(HOST):$(PORT) \
		--access-logfile - 'clinic.app:create_app()'

system-deps: tests/e2e/.axe/node_modules/axe-core/axe.min.js
	bash tests/system-deps.sh

# axe-core (accessibility rules) from the npm registry, for the browser tests; git-ignored.
tests/e2e/.axe/node_modules/axe-core/axe.min.js:
	mkdir -p tests/e2e/.axe
	npm install --silent --no-audit --no-fund --prefix tests/e2e/.axe axe-core@4

# Every test on SQLite, then every database test again on a throwaway PostgreSQL cluster.
test: install-test system-deps
	bash tests/run.sh

test-sqlite: install-test
	$(BIN)/python -m pytest

test-postgres: install-test system-deps
	bash tests/run.sh --postgres-only

# The benchmarks on SQLite, then the database ones on a throwaway PostgreSQL cluster.
bench: install-test system-deps
	bash tests/bench.sh

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/bandit -q -r clinic -x clinic/migrations

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

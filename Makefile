# Two commands: `make run` and `make test`. Each creates .venv and installs what it needs first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test test-sqlite test-postgres bench lint install install-test system-deps clean lock lock-upgrade vuln-check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Installs come from the lock files, every file checked against its sha256 (REL-14): two installs a day
# apart run the same code. Our own package goes on top without dependencies (pip builds it in isolation
# with setuptools from pyproject's build-system). README "Updating dependencies" says how to change a pin.
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml requirements-test.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-test.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(VENV)/.installed $@

# The lock files, from pyproject.toml, by uv (pinned here so every lock is written the same way).
# `make lock` keeps every existing pin and adds what pyproject.toml gained; `make lock-upgrade` moves
# every package to its newest allowed release. Then run `make test` and commit the lock files.
UV_VERSION := 0.13.9
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --quiet --generate-hashes --universal --python-version 3.11

lock lock-upgrade: | $(BIN)/python
	$(BIN)/pip install --quiet uv==$(UV_VERSION)
	$(UV_COMPILE) $(if $(filter lock-upgrade,$@),--upgrade) -o requirements.lock
	$(UV_COMPILE) $(if $(filter lock-upgrade,$@),--upgrade) --extra test -c requirements.lock -o requirements-test.lock

# Known vulnerabilities of the locked versions, from an OSV database on disk (tests/vuln_check.py says
# where it looks); says plainly when no database is there.
vuln-check: install-test
	$(BIN)/python tests/vuln_check.py requirements-test.lock

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Random SECRET_KEY and AUDIT_KEY, written once and readable by the owner only (umask, so never briefly
# world-readable); instance/ contents other than its README are git-ignored. README "Keys" says how to keep them.
instance/config.py:
	umask 077 && $(BIN)/python -c "import secrets; print(f'SECRET_KEY = {secrets.token_hex(32)!r}'); \
		print(f'AUDIT_KEY = {secrets.token_hex(32)!r}')" > $@
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

# Bandit at high severity (ruff's S rules flag the rest line by line, with a reason where one is allowed);
# tests/run.sh runs it too, so `make test` and CI do.
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/bandit -q --severity-level high -r clinic -x clinic/migrations
	$(BIN)/python tests/vuln_check.py requirements-test.lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

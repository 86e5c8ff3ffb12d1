# `make run`: the site with demo data, a worker and beat, on embedded defaults (SQLite, filesystem broker)
# unless DATABASE_URL / REDIS_URL are set. `make test`: the whole suite on PostgreSQL and Redis.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/securus
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

# Dependencies are installed from lock files with pinned versions and hashes, never resolved anew:
# requirements-dev.lock (the site and the tools, for `make install`, tests and CI) and requirements.lock
# (the site alone, for the Docker image). After changing pyproject.toml, run `make lock`.
LOCK_FLAGS := --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links

.PHONY: install run reset-demo screenshots test soak bench lint fmt lock audit

$(STAMP): requirements-dev.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $(STAMP)

install: $(STAMP)

# Both lock files from pyproject.toml; the site's lock keeps the versions of the dev lock.
lock: $(STAMP)
	$(BIN)/pip-compile $(LOCK_FLAGS) --extra dev -o requirements-dev.lock pyproject.toml
	cp requirements-dev.lock requirements.lock
	$(BIN)/pip-compile $(LOCK_FLAGS) -o requirements.lock pyproject.toml
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $(STAMP)

# Known vulnerabilities in the locked versions (needs the network: it asks the PyPI advisory database).
audit: $(STAMP)
	$(BIN)/pip-audit --strict --require-hashes --disable-pip -r requirements-dev.lock

run: export DEBUG ?= true
run: export SECRET_KEY ?= dev-only-insecure-key
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py setup_schedule
	$(BIN)/python manage.py seed_demo
	$(BIN)/python scripts/run_stack.py

# Start the demo over: empties the demo database (DEBUG only), migrates and loads the demo accounts again.
reset-demo: export DEBUG ?= true
reset-demo: export SECRET_KEY ?= dev-only-insecure-key
reset-demo: $(STAMP)
	$(BIN)/python manage.py seed_demo --reset

# Screenshots of the main pages into docs/screenshots/, taken from the running demo (`make run`).
screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py

test: export SECRET_KEY ?= test-only-secret-key
test: export RETIRED_EMAIL_KEY ?= test-only-retired-email-key
test: export DATABASE_URL ?= $(TEST_DATABASE_URL)
test: export REDIS_URL ?= $(TEST_REDIS_URL)
test: export EMAIL_URL ?= consolemail://
test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

# The soak (minutes): SOAK_ACCOUNTS accounts deleted on the site by SOAK_CLIENTS clients, then reconciled.
soak: export SECRET_KEY ?= test-only-secret-key
soak: export RETIRED_EMAIL_KEY ?= test-only-retired-email-key
soak: export DATABASE_URL ?= $(TEST_DATABASE_URL)
soak: export REDIS_URL ?= $(TEST_REDIS_URL)
soak: export EMAIL_URL ?= consolemail://
soak: $(STAMP)
	$(BIN)/pytest -m soak -q -s -p no:randomly tests/test_soak.py $(PYTEST_ARGS)

# `make bench ONLY=directbill,checkrun` runs a subset; sizes and the database name (BENCH_DB, default
# securus_bench, dropped and created again) are read from the environment: see scripts/bench.py.
bench: export SECRET_KEY ?= bench-only-secret-key
bench: export RETIRED_EMAIL_KEY ?= bench-only-retired-email-key
bench: export BENCH_DB ?= securus_bench
bench: export ONLY ?=
bench: $(STAMP)
	command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python scripts/bench.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

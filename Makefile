# `make run`: the site with demo data, a worker and beat, on embedded defaults (SQLite, filesystem broker)
# unless DATABASE_URL / REDIS_URL are set. `make test`: the whole suite on PostgreSQL and Redis.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/securus
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: install run test soak bench lint fmt

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: export DEBUG ?= true
run: export SECRET_KEY ?= dev-only-insecure-key
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py setup_schedule
	$(BIN)/python manage.py seed_demo
	$(BIN)/python scripts/run_stack.py

test: export SECRET_KEY ?= test-only-secret-key
test: export DATABASE_URL ?= $(TEST_DATABASE_URL)
test: export REDIS_URL ?= $(TEST_REDIS_URL)
test: export EMAIL_URL ?= consolemail://
test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

# The soak (minutes): SOAK_ACCOUNTS accounts deleted on the site by SOAK_CLIENTS clients, then reconciled.
soak: export SECRET_KEY ?= test-only-secret-key
soak: export DATABASE_URL ?= $(TEST_DATABASE_URL)
soak: export REDIS_URL ?= $(TEST_REDIS_URL)
soak: export EMAIL_URL ?= consolemail://
soak: $(STAMP)
	$(BIN)/pytest -m soak -q -s -p no:randomly tests/test_soak.py $(PYTEST_ARGS)

# `make bench ONLY=directbill,checkrun` runs a subset; sizes and the database name (BENCH_DB, default
# securus_bench, dropped and created again) are read from the environment: see scripts/bench.py.
bench: export SECRET_KEY ?= bench-only-secret-key
bench: export BENCH_DB ?= securus_bench
bench: export ONLY ?=
bench: $(STAMP)
	$(BIN)/python scripts/bench.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

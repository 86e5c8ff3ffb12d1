# `make run`: the site with demo data, a worker and beat, on embedded defaults (SQLite, filesystem broker)
# unless DATABASE_URL / REDIS_URL are set. `make test`: the whole suite on PostgreSQL and Redis.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/securus
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: install run test bench lint fmt

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

bench: export SECRET_KEY ?= bench-only-secret-key
bench: export DATABASE_URL ?= $(TEST_DATABASE_URL)
bench: $(STAMP)
	$(BIN)/python scripts/bench.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

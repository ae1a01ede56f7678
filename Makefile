# Omniloop: `make demo` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=

.PHONY: install demo serve worker test test-fast lint format migrate clean

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Omniloop needs Python 3.11+")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

migrate: install
	$(BIN)/omniloop migrate --noinput

demo: migrate
	$(BIN)/omniloop demo_load
	HOST=$(HOST) PORT=$(PORT) BIN=$(BIN) sh scripts/demo.sh

test: install
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

test-fast: install
	$(BIN)/pytest -n 2 -m "not browser" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check omniloop tests benchmarks
	$(BIN)/ruff format --check omniloop tests benchmarks
	$(BIN)/mypy omniloop
	$(BIN)/lint-imports
	$(BIN)/bandit -q -r omniloop -x '*/migrations/*' --severity-level high

format: install
	$(BIN)/ruff check --fix omniloop tests benchmarks
	$(BIN)/ruff format omniloop tests benchmarks

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

# creditdesk: `make demo` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The scoring benchmark's peers need pandas < 3: they get an environment of their own.
BENCH_VENV := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed
# Longer reliability and benchmark runs: make test RELIABILITY_SCALE=10
RELIABILITY_SCALE ?= 1

.PHONY: demo test lint bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(BENCH_STAMP): pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/creditdesk demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(STAMP)
	bash scripts/ensure-system-deps.sh
	$(MAKE) lint
	CREDITDESK_RELIABILITY_SCALE=$(RELIABILITY_SCALE) $(BIN)/pytest -q

bench: $(STAMP) $(BENCH_STAMP)
	bash scripts/ensure-system-deps.sh bench
	$(BIN)/python -m bench
	$(BENCH_VENV)/bin/python -m bench.scoring

clean:
	rm -rf $(VENV) $(BENCH_VENV) var .pytest_cache .mypy_cache .ruff_cache

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
# The pinned, hashed dependencies (`make lock` regenerates them with uv, in an environment of its
# own; `make lock LOCK_FLAGS=--upgrade` moves every pin to the newest release allowed).
LOCK_VENV := .venv-lock
LOCK_FLAGS ?=
UV_COMPILE = $(LOCK_VENV)/bin/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --quiet $(LOCK_FLAGS)

.PHONY: demo test suite test-fast lint bench install clean lock

$(STAMP): pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip uv==0.13.9
	# uv installs the hashed pins (every hash checked) in seconds where pip takes most of a minute;
	# compiled once here, on both cores, rather than by each of the suite's first processes at once.
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e '.[dev]'
	touch $(STAMP)

$(BENCH_STAMP): pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

install: $(STAMP)

lock:
	test -x $(LOCK_VENV)/bin/uv || ($(PYTHON) -m venv $(LOCK_VENV) && $(LOCK_VENV)/bin/pip install --quiet uv)
	$(UV_COMPILE) -o requirements.lock
	$(UV_COMPILE) --extra dev -o requirements-dev.lock

demo: $(STAMP)
	$(BIN)/creditdesk demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

# The lint runs beside the suite (its start leaves a core idle for a while); either failing fails.
test: $(STAMP)
	bash scripts/ensure-system-deps.sh
	$(MAKE) --no-print-directory -j2 lint suite

# Two workers (the machine's cores); a file's tests stay together on one (they share its fixtures).
# A worker that crashes fails the run at once: xdist's replacement worker left the run waiting for ever.
suite: $(STAMP)
	CREDITDESK_RELIABILITY_SCALE=$(RELIABILITY_SCALE) CREDITDESK_PREBUILD_DEMOS=1 \
		$(BIN)/pytest -q -n 2 --dist loadfile --no-loadscope-reorder --max-worker-restart=0 --durations=25

# The inner loop: the domain and the service on fakes, no server, no database file, under a minute.
test-fast: $(STAMP)
	$(BIN)/pytest -q -n 2 tests/unit tests/service

bench: $(STAMP) $(BENCH_STAMP)
	bash scripts/ensure-system-deps.sh bench
	$(BIN)/python -m bench
	$(BENCH_VENV)/bin/python -m bench.scoring

clean:
	rm -rf $(VENV) $(BENCH_VENV) $(LOCK_VENV) var .pytest_cache .mypy_cache .ruff_cache

# The two commands of the README's Quick start: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
# Test processes per pass (pytest-xdist): the machine's cores, at most 4 (each has its own test
# database and, for the browser tests, its own Chromium). PYTEST_WORKERS=0 runs in one process.
# Modules go to the workers in collection order, where conftest.py puts the longest first
# (LONGEST_FIRST); xdist's own reorder (most tests first) would put a long one-test module last.
PYTEST_WORKERS ?= $(shell $(PYTHON) -c "import os; print(min(4, os.cpu_count() or 1))")
PYTEST_XDIST = -n $(PYTEST_WORKERS) --dist loadscope --no-loadscope-reorder --durations=10
# Bytecode is cached even where the environment turns caching off (PYTHONDONTWRITEBYTECODE):
# each test worker would otherwise rewrite and compile every test module again, and each of
# the suite's `ketamine-care` subprocesses compile the project's modules again.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: demo test lint test-sqlite test-postgres bench-concurrency bench-serve bench-mixed bench-registry mutation venv clean

# The install goes through uv (from PyPI, into the venv: it fetches and installs in parallel,
# some 30 s against pip's 60-90 s for the same set); where uv cannot be had, pip installs the
# same '.[dev]'. Bytecode is compiled at install, as pip does: every test worker and every
# `ketamine-care` subprocess of the suite would otherwise compile the libraries again.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	if $(BIN)/python -m pip install --quiet uv && \
		$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[dev]'; then \
		:; \
	else \
		$(BIN)/python -m pip install --quiet --upgrade pip && \
		$(BIN)/python -m pip install --quiet -e '.[dev]'; \
	fi
	touch $(STAMP)

venv: $(STAMP)

# The server and, beside it, a background worker (`ketamine-care worker`), stopped together.
demo: $(STAMP)
	$(BIN)/ketamine-care demo --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	DEBUG=True DATABASE_URL=sqlite:///:memory: $(BIN)/ketamine-care makemigrations --check --dry-run
	$(BIN)/lint-imports

test-sqlite: $(STAMP)
	$(BIN)/pytest $(PYTEST_XDIST)

# What touches a database runs again on PostgreSQL; pure tests ran once, in the SQLite pass
# (`pytest --postgres --all-tests` runs them here too).
test-postgres: $(STAMP)
	$(BIN)/pytest --postgres $(PYTEST_XDIST)

# The lint runs beside the SQLite pass: it is a few seconds of one core, and the pass leaves a
# core free at its start (one worker waits while the other migrates the run's template
# database, testing/migrated.py). Its output follows the pass's; both must pass before the
# PostgreSQL pass starts.
test: $(STAMP)
	@$(MAKE) --no-print-directory lint > $(VENV)/lint.log 2>&1 & lint=$$!; \
	$(MAKE) --no-print-directory test-sqlite; sqlite=$$?; \
	wait $$lint; lint=$$?; cat $(VENV)/lint.log; \
	if [ $$lint -ne 0 ]; then echo "make test: the lint failed (above)"; exit 1; fi; \
	if [ $$sqlite -ne 0 ]; then echo "make test: the SQLite pass failed"; exit 1; fi; \
	$(MAKE) --no-print-directory test-postgres

# Not part of `make test`: gunicorn -w 4 on a throwaway PostgreSQL, 2 to 64 clients.
bench-concurrency: $(STAMP)
	$(BIN)/python benchmarks/concurrency.py

# Not part of `make test`: `ketamine-care serve` with 4 workers on a throwaway PostgreSQL, the
# mixed workload (search, chart, vitals batch, score entry) and /healthz at 8, 32, 64 clients.
bench-serve: $(STAMP)
	$(BIN)/python benchmarks/serve.py

# Not part of `make test`: issue 13's mixed workload (search 50 %, chart 30 %, vitals 20 %)
# through `ketamine-care serve` (4 workers, durable PostgreSQL) at 1, 8, 32 and 64 clients,
# beside /healthz as the ceiling.
bench-mixed: $(STAMP)
	$(BIN)/python benchmarks/http_mixed.py

# Not part of `make test`: `ketamine-care synth` at 10^4, 10^5 and 10^6 patients on a durable
# PostgreSQL, then the outcomes dashboard, Kaplan-Meier, the Parquet export and DuckDB over it.
# REGISTRY_SIZES narrows the run, e.g. REGISTRY_SIZES=10000,100000.
REGISTRY_SIZES ?= 10000,100000,1000000
bench-registry: $(STAMP)
	nice -n 19 $(BIN)/python benchmarks/registry.py --sizes $(REGISTRY_SIZES)

# Not part of `make test`: mutmut over the pure clinical modules ([tool.mutmut] in
# pyproject.toml), then the kill rate per module (docs/TESTING.md). MUTANTS narrows the run,
# e.g. MUTANTS='ketamine_care.dosing.*'; MUTATION_CHILDREN caps the parallel test processes.
MUTANTS ?=
MUTATION_CHILDREN ?= 2
MUTATION_STAMP := $(VENV)/.mutation-installed

$(MUTATION_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,mutation]'
	touch $(MUTATION_STAMP)

mutation: $(MUTATION_STAMP)
	$(BIN)/mutmut run --max-children $(MUTATION_CHILDREN) $(MUTANTS)
	$(BIN)/python -m ketamine_care.testing.mutation_report --survivors --fail-under 90 \
		$(subst *,,$(MUTANTS))

clean:
	rm -rf $(VENV) data mutants

# sfsync: the commands the README names. Everything runs from the project's own virtualenv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export SFSYNC_HOME ?= $(CURDIR)/data

.PHONY: venv demo test bench lint clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: venv
	$(BIN)/python -m pipelines.demo

# Test files run on two workers (TEST_WORKERS=0 runs them in this process): most tests wait on
# a server, a subprocess or DuckDB's I/O, so the suite takes about 12 minutes instead of 21 on two
# cores. A file's tests stay on one worker, sharing its module fixtures.
TEST_WORKERS ?= 2

test: venv
	$(BIN)/python -m pytest -q -p no:cacheprovider --durations=15 -n $(TEST_WORKERS) --dist loadfile

bench: venv
	@status=0; for script in benchmarks/*.py; do \
	  echo "== $$script"; $(BIN)/python $$script || status=1; echo; \
	done; exit $$status

lint: venv
	$(BIN)/ruff check pipelines tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

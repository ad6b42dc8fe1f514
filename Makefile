# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PACKAGES := shared/events shared/platform services/dossier services/ecovid-monitor \
	services/alerting services/care-circle services/documents services/gateway deploy/local deploy/ops
PYPROJECTS := $(addsuffix /pyproject.toml,$(PACKAGES))

.PHONY: install run test test-unit test-integration faults bench schemas lint clean

$(STAMP): constraints.txt requirements-dev.txt $(PYPROJECTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt \
		-r requirements-dev.txt $(addprefix -e ,$(PACKAGES))
	touch $(STAMP)

install: $(STAMP)

run: install ## broker + every service + gateway on 127.0.0.1:8000
	$(BIN)/python -m ecovid_stack run $(ARGS)

# Shuffled (pytest-randomly prints "Using --randomly-seed=N"; add that option to replay an order).
# Unit tests first, with statement coverage checked per package (.coveragerc, tests/coverage_floors.py).
test: install ## unit tests with coverage floors, then integration tests (real broker, PostgreSQL and SQLite)
	$(BIN)/python -m pytest -m "not integration" --cov --cov-report=
	$(BIN)/python tests/coverage_floors.py
	$(BIN)/python -m pytest -m integration

test-unit: install
	$(BIN)/python -m pytest -m "not integration"

test-integration: install
	$(BIN)/python -m pytest -m integration

faults: install ## under 100 alarming readings/s: each service SIGKILLed 5 times, broker and PostgreSQL restarted
	$(BIN)/python -m ecovid_stack.faults

bench: install ## pipeline throughput and latency, list and search latency, on PostgreSQL
	$(BIN)/python -m ecovid_stack.bench
	$(BIN)/python -m ecovid_stack.bench.rebuild
	$(BIN)/python services/ecovid-monitor/bench/list_bench.py
	$(BIN)/python services/dossier/bench/search_bench.py

schemas: install ## JSON Schemas of the integration events
	$(BIN)/python -m ecovid_events.export_schemas shared/events/schemas

lint: install ## ruff (line length included), import contracts, mypy on shared/ (mypy.ini)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var .pytest_cache .coverage

# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PACKAGES := shared/events shared/platform shared/api services/dossier services/ecovid-monitor \
	services/alerting services/care-circle services/documents services/admissions services/gateway services/web \
	deploy/local deploy/ops
PYPROJECTS := $(addsuffix /pyproject.toml,$(PACKAGES))

.PHONY: install run test test-unit test-integration faults fuzz bench schemas lint clean

$(STAMP): constraints.txt requirements-dev.txt $(PYPROJECTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt \
		-r requirements-dev.txt $(addprefix -e ,$(PACKAGES))
	touch $(STAMP)

install: $(STAMP)

run: install ## broker + every service + gateway on 127.0.0.1:8000
	$(BIN)/python -m ecovid_stack run $(ARGS)

# Integration tests mostly wait (on stacks starting, consumers, timers): two workers, each
# with its own session stacks, a module's tests kept together on one worker.
INTEGRATION_WORKERS ?= 2

# Shuffled (pytest-randomly prints "Using --randomly-seed=N"; add that option to replay an order).
# Unit tests first, with statement coverage checked per package (.coveragerc, tests/coverage_floors.py).
test: install ## unit tests with coverage floors, then integration tests (real broker, PostgreSQL and SQLite)
	$(BIN)/python -m pytest -m "not integration" --cov --cov-report=
	$(BIN)/python tests/coverage_floors.py
	$(BIN)/python -m pytest -m integration -n $(INTEGRATION_WORKERS) --dist loadfile --no-loadscope-reorder

test-unit: install
	$(BIN)/python -m pytest -m "not integration"

test-integration: install
	$(BIN)/python -m pytest -m integration -n $(INTEGRATION_WORKERS) --dist loadfile --no-loadscope-reorder

faults: install ## under 100 alarming readings/s: each service SIGKILLed 5 times, broker and PostgreSQL restarted
	$(BIN)/python -m ecovid_stack.faults

fuzz: install ## long forms: schemathesis at 100 examples per operation and caller; 10,000 mutated HL7 and 1,000 JSON
	$(BIN)/python -m tests.integration.fuzz
	ECOVID_FUZZ_HL7=10000 ECOVID_FUZZ_JSON=1000 $(BIN)/python -m pytest -p no:randomly -s -q \
		services/admissions/tests/unit/test_fuzz.py

bench: install ## pipeline throughput and latency, list and search latency, verify-chain records/s, on PostgreSQL
	$(BIN)/python -m ecovid_stack.bench
	$(BIN)/python -m ecovid_stack.bench.rebuild
	$(BIN)/python -m ecovid_stack.bench.admissions
	$(BIN)/python -m ecovid_stack.bench.identity
	$(BIN)/python services/ecovid-monitor/bench/list_bench.py
	$(BIN)/python services/dossier/bench/search_bench.py
	$(BIN)/python services/web/bench/list_page_bench.py
	$(BIN)/python -m ecovid_stack.bench.web_list
	$(BIN)/python -m ecovid_stack.bench.verify_chain

schemas: install ## JSON Schemas of the integration events, and their AsyncAPI 3 document (committed)
	$(BIN)/python -m ecovid_events.export_schemas shared/events/schemas
	$(BIN)/python -m ecovid_events.asyncapi shared/events/asyncapi.json

lint: install ## ruff (line length included), import contracts, mypy on shared/ (mypy.ini)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var .pytest_cache .coverage

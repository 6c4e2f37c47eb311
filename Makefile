# Two commands for a fresh clone: `make demo` and `make test` (see README.md).
# Every target creates the virtual environment it needs; nothing is installed by hand.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# simulators: the stand-ins of the source systems (demo, tests); celery and fab: the
# deployment's executor and auth manager, which `make test-deploy` starts
EXTRAS := dev,simulators,celery,fab
# Superset lives in its own environment: its pins conflict with Airflow's (bi/superset/).
BI_VENV  ?= .venv-bi
BI_STAMP := $(BI_VENV)/.installed

.PHONY: demo test test-deploy lint airflow serve clean lock help bench-simulators bench-extract bench-refresh \
	bench-mart bench-celery bi test-bi lock-bi

help:
	@echo "make demo     run the pipeline end to end on the embedded warehouse and print the ranking"
	@echo "make test     lint and run the whole test suite against a real PostgreSQL"
	@echo "make test-deploy  the deployment test: Airflow with Celery workers as processes"
	@echo "make airflow  open the Airflow UI on http://localhost:8080 (same DAGs, same warehouse)"
	@echo "make serve    start the source simulators and print their endpoints"
	@echo "make bi       Superset on http://localhost:8088 with the DTI dashboards (after make demo)"
	@echo "make test-bi  the Superset tests: dashboards in headless Chromium, the reader's rights"
	@echo "make clean    stop the embedded warehouse and delete .dti/ (all local state)"
	@echo "make bench-*  benchmarks (simulators, extract, refresh, mart, celery); they print ratios"

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[$(EXTRAS)]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/dti demo

# Reinstalled only when the pins change; the stamp is what a rerun checks.
$(BI_STAMP): bi/superset/requirements.txt bi/superset/constraints.txt
	rm -rf $(BI_VENV)
	$(PYTHON) -m venv $(BI_VENV)
	$(BI_VENV)/bin/pip install --quiet --upgrade pip
	$(BI_VENV)/bin/pip install --quiet -c bi/superset/constraints.txt -r bi/superset/requirements.txt
	touch $(BI_STAMP)

bi: $(STAMP) $(BI_STAMP)
	$(BIN)/dti bi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt_project bi/views --processes 2

# pytest exits 5 when it collects nothing: that is a broken suite, never a pass.
# The report's browser test needs Debian's chromium; installed here when it is missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

test: $(STAMP) lint
	@command -v chromium >/dev/null 2>&1 || { echo "installing chromium for tests/e2e/test_report_browser.py"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }
	$(BIN)/dti dbt parse
	$(BIN)/python -m pytest; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing on purpose" >&2; exit 1; fi; \
	  exit $$rc

# The deployment test (tests/deploy): api-server, scheduler, dag-processor, triggerer and Celery
# workers as processes against the local PostgreSQL and Redis (DTI_TEST_REDIS_URL, default
# redis://127.0.0.1:6379/13); a month of `tiny` backfilled and refreshed through the REST API.
test-deploy: $(STAMP)
	$(BIN)/dti dbt parse
	$(BIN)/python -m pytest -m deploy tests/deploy; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing on purpose" >&2; exit 1; fi; \
	  exit $$rc

# The Superset tests need the BI environment and Chromium; they are not part of `make test`.
test-bi: $(STAMP) $(BI_STAMP)
	@command -v chromium >/dev/null 2>&1 || { echo "installing chromium for tests/bi"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }
	$(BIN)/python -m pytest -m superset tests/bi; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing on purpose" >&2; exit 1; fi; \
	  exit $$rc

airflow: $(STAMP)
	$(BIN)/dti airflow --simulators tiny

serve: $(STAMP)
	$(BIN)/dti sources serve

clean:
	-[ -x $(BIN)/dti ] && $(BIN)/dti warehouse stop
	rm -rf .dti

# Benchmarks print figures as ratios measured in the same run; they are never timed tests.
bench-simulators: $(STAMP)
	$(BIN)/python bench/bench_simulators.py

bench-extract: $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e ".[$(EXTRAS),bench]"
	$(BIN)/python bench/bench_extract.py

bench-refresh: $(STAMP)
	$(BIN)/python bench/bench_refresh.py

bench-mart: $(STAMP)
	$(BIN)/python bench/bench_mart.py

bench-celery: $(STAMP)
	$(BIN)/python bench/bench_celery.py

# Re-resolve the pinned set after changing pyproject.toml.
lock:
	rm -rf /tmp/dti-lock && $(PYTHON) -m venv /tmp/dti-lock
	/tmp/dti-lock/bin/pip install --quiet --upgrade pip
	/tmp/dti-lock/bin/pip install --quiet -e ".[$(EXTRAS)]"
	/tmp/dti-lock/bin/pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

# Re-resolve the BI environment's pins after changing bi/superset/requirements.txt.
lock-bi:
	rm -rf /tmp/dti-lock-bi && $(PYTHON) -m venv /tmp/dti-lock-bi
	/tmp/dti-lock-bi/bin/pip install --quiet --upgrade pip
	/tmp/dti-lock-bi/bin/pip install --quiet -r bi/superset/requirements.txt
	{ sed -n '/^#/p' bi/superset/constraints.txt; /tmp/dti-lock-bi/bin/pip freeze; } > bi/superset/constraints.tmp
	mv bi/superset/constraints.tmp bi/superset/constraints.txt

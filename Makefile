# Two commands matter: `make run` and `make test`. Everything else is for developers.
# Needs only python3 (3.11+) and make; every dependency is pinned in requirements.lock.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PACKAGES := shared services/projects services/assessment services/stakeholders services/integrations services/reporting services/gateway cli
PYTEST_WORKERS ?= 2

.DEFAULT_GOAL := help
.PHONY: help install run test test-postgres test-e2e test-replicas lint lint-types fmt token demo bench bench-data openapi migrate revision lock clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): requirements.lock $(addsuffix /pyproject.toml,$(PACKAGES))
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is required")' >&2
	@echo "Installing into $(VENV) (pinned by requirements.lock)..." >&2
	@$(PYTHON) -m venv $(VENV) >&2
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock >&2
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps $(addprefix -e ,$(PACKAGES)) >&2
	@touch $(STAMP)

install: $(STAMP) ## Create .venv with every pinned dependency and our packages

run: install ## Migrate and start the services, reporting and the gateway (Ctrl-C stops all)
	@$(BIN)/python -m scripts.run

test: install ## Run the whole suite on SQLite
	$(BIN)/pytest -n $(PYTEST_WORKERS) -q

test-postgres: install ## Run the same suite on PostgreSQL (127.0.0.1:5432, a database per service; backend_independent tests left out) [EXCEPT_REPLICA_E2E=1: also the e2e modules test-replicas repeats on PostgreSQL, as CI does]
	CMDI_TEST_DATABASE=postgresql $(BIN)/pytest -n $(PYTEST_WORKERS) -q $(if $(EXCEPT_REPLICA_E2E),$(addprefix --ignore=,$(REPLICA_E2E)))

test-e2e: install ## Only the end-to-end tests (real processes over TCP)
	$(BIN)/pytest -q -m e2e

REPLICA_E2E := tests/e2e/test_platform.py tests/e2e/test_decision_stage_e2e.py tests/e2e/test_reports_e2e.py tests/e2e/test_exports_e2e.py
test-replicas: install ## Two replicas of every process on PostgreSQL behind a real nginx (installed if missing): the replica suite and e2e tests through it (~6 min)
	CMDI_TEST_DATABASE=postgresql CMDI_E2E_STACK=replicas $(BIN)/pytest -q -p no:xdist tests/replicas $(REPLICA_E2E)

lint: install lint-types ## ruff, mypy --strict, import contracts, alembic check per service
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m scripts.check_migrations

lint-types: install ## mypy --strict on our code (tests relax only untyped defs)
	$(BIN)/mypy shared/src services/projects/src services/assessment/src services/stakeholders/src services/integrations/src services/reporting/src services/gateway/src cli/src scripts bench
	$(BIN)/mypy shared/tests tests services/projects/tests services/assessment/tests services/stakeholders/tests services/integrations/tests services/reporting/tests services/gateway/tests

fuzz: install ## Schemathesis gate over every service and the gateway (about 4 minutes)
	$(BIN)/python -m scripts.schemathesis_gate

fmt: install ## Format and autofix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

token: install ## Print a development token: make token ROLE=admin [SUB=alice]
	@$(BIN)/python -m scripts.token --role "$(ROLE)" --sub "$(SUB)"

demo: install ## With `make run` going, load the demo dataset through the API
	@$(BIN)/python -m scripts.demo

bench: install ## Dataset if missing (10k projects, var/bench + bench_*), then every benchmark (~12 min, at most 16); writes bench/RESULTS.md [BENCH_ARGS="--backend sqlite --only run,lists --quick"]
	@$(BIN)/python -m bench.all $(BENCH_ARGS)

bench-data: install ## Only the large dataset: make bench-data [PROJECTS=10000 BACKEND=sqlite|postgresql]
	@nice -n 10 $(BIN)/python -m bench.dataset --projects $(or $(PROJECTS),10000) --backend $(or $(BACKEND),sqlite) --out var/bench

openapi: install ## Regenerate the committed OpenAPI snapshots under openapi/
	@$(BIN)/python -m scripts.openapi --write

migrate: install ## Migrate every service's database (var/*.db by default) to head
	@$(BIN)/python -m scripts.migrate

revision: install ## New migration: make revision svc=projects m="add milestones"
	@$(BIN)/python -m scripts.revision "$(svc)" "$(m)"

lock: ## Re-resolve requirements.in into requirements.lock (needs network)
	$(PYTHON) -m pip install --quiet uv && $(PYTHON) -m uv pip compile requirements.in -o requirements.lock --python-version 3.11 --generate-hashes

clean: ## Remove the environment, databases and caches
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

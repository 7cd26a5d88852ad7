# The README's commands. Everything installs from requirements.lock into .venv; nothing by hand.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha1sum | cut -c1-12)

export DAGSTER_HOME := $(CURDIR)/dagster_home
export MIGRATION_HOME ?= $(CURDIR)/var
# CLI commands read .env from the working directory; keep Dagster quiet about telemetry and updates.
export DAGSTER_DISABLE_TELEMETRY := 1
# Customer URLs must be the real services' hosts unless allowed here (README, configuration reference):
# the demo, `make dev`, the tests and the benchmarks talk to the emulators on loopback.
export MIGRATION_ALLOWED_HOSTS ?= 127.0.0.1,localhost,*.invalid

.PHONY: demo demo-two-hops test test-postgres dev dev-stop targets targets-stop bench bench-proposals bench-real-org mutation lint lock clean install screenshots

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $@

## demo: set up, generate a demo NZ practice, run it through Dagster, print the checklist
demo: $(STAMP)
	$(BIN)/python -m practice_migrate.demo

## demo-two-hops: the demo practice Cliniko → Gensolve (embedded) → Dynamics (emulated org) as Dagster runs,
## then the trace of one patient across both hops
demo-two-hops: $(STAMP)
	$(BIN)/python -m practice_migrate.demo_two_hops

## test: set up, then the whole test suite (ruff first: a lint error fails the build) in two pytest-xdist
## workers, modules sharing a session fixture on one worker and started first (tests/helpers/xdist_groups.py),
## temporary files on tmpfs when the machine has one (/dev/shm: Dagster's SQLite event logs and the DuckDB
## files then never wait for the disk), bytecode cached even where the environment turns that off
## (PYTHONDONTWRITEBYTECODE: every worker and every `dagster` process it starts would compile the project again,
## and pytest rewrite every test module's asserts again — about 6 s of CPU each time the suite is collected).
## PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= 2
TEST_TMP_ROOT ?= $(if $(wildcard /dev/shm/.),/dev/shm,$(or $(TMPDIR),/tmp))
test: $(STAMP)
	$(BIN)/ruff check .
	tmp=$$(mktemp -d "$(TEST_TMP_ROOT)/practice-migration-tests.XXXXXX") && trap 'rm -rf "$$tmp"' EXIT && \
	TMPDIR="$$tmp" PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder

## test-postgres: the production instance profile (deploy/dagster.yaml) against a throw-away PostgreSQL
## (installed from the OS packages when missing; the cluster is removed afterwards)
test-postgres: $(STAMP)
	bash tests/postgres/throwaway_cluster.sh $(BIN)/python -m pytest -m postgres tests/postgres

## targets: the demo's emulated org (Entra ID + Dataverse) in the background, restarted from its state under
## $(MIGRATION_HOME)/emulators on stable ports (PRACTICE_TARGETS_DATAVERSE_PORT / _ENTRA_PORT: 49443 / 49444)
targets: $(STAMP)
	$(BIN)/python -m practice_migrate.targets start

## targets-stop: stop that org (its state stays; `make targets` brings it back)
targets-stop: $(STAMP)
	$(BIN)/python -m practice_migrate.targets stop

## dev: the Dagster UI and daemon on the same instance, data and emulated org as the demo, with the secrets of
## the org's customers from $(MIGRATION_HOME)/dev.env (written 0600 by the demo) in its environment, on
## 127.0.0.1:$(DAGSTER_PORT) (default 3000). Stoppable however it was started (practice_migrate/dev.py: a
## background job ignores SIGINT, and dagster dev then SIGTERM too): Ctrl-C or `make dev-stop` (not a kill of make:
## make does not pass SIGTERM on)
dev: targets
	set -a && source "$(MIGRATION_HOME)/dev.env" && set +a && \
	exec $(BIN)/python -m practice_migrate.dev run -- $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 \
	  -p $${DAGSTER_PORT:-3000}

## dev-stop: stop the `make dev` of this instance (SIGTERM to dagster dev; its webserver and daemon stop, its code
## server within 45 s)
dev-stop: $(STAMP)
	$(BIN)/python -m practice_migrate.dev stop

## bench: performance benchmarks; writes bench/results.json
bench: $(STAMP)
	$(BIN)/python -m bench

## bench-proposals: mapping-proposal quality against the hand-written specs; writes bench/proposals.json
bench-proposals: $(STAMP)
	$(BIN)/python -m bench.proposals

## bench-real-org: the Dynamics load against the real-org profile, with/without bypass; bench/real-org-results.json
bench-real-org: $(STAMP)
	$(BIN)/python -m bench.bench_real_org

## mutation: mutation testing as a measurement (not part of `make test`): mutants of checks/rules.py,
## checks/identifiers.py and mappings/transforms/ against their targeted tests; writes bench/mutation.json.
## MUTATION_MODULES narrows it (e.g. MUTATION_MODULES=checks/rules.py), MUTATION_JOBS runs mutants side by side.
mutation: $(STAMP)
	$(BIN)/python -m bench.mutation --jobs $${MUTATION_JOBS:-1} $(MUTATION_MODULES)

## screenshots: the operator guide's screenshots from a running `make dev` (DAGSTER_URL, default the port of
## `make dev`; system Chromium): docs/screenshots/setup.py first takes the clean practice clean-physio through
## its day on that instance and the demo's org (re-runnable)
screenshots:
	@test -x .venv-docs/bin/python || $(PYTHON) -m venv .venv-docs
	.venv-docs/bin/python -m pip install --quiet --disable-pip-version-check -r docs/screenshots/requirements.txt
	export DAGSTER_URL=$${DAGSTER_URL:-http://127.0.0.1:$${DAGSTER_PORT:-3000}} && \
	.venv-docs/bin/python docs/screenshots/setup.py && .venv-docs/bin/python docs/screenshots/take.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## lock: re-resolve pyproject.toml's pins into requirements.lock (needs the package registry)
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet pip==26.3
	.venv-lock/bin/python -m pip install --quiet -e '.[dev]'
	{ echo "# Every package the project installs, pinned. Generated by 'make lock' from pyproject.toml; do not edit."; \
	  echo "pip==26.3"; .venv-lock/bin/python -m pip freeze --exclude-editable | grep -v '^practice-migration'; } > requirements.lock
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) var bench/out
	find dagster_home -mindepth 1 ! -name dagster.yaml -exec rm -rf {} +

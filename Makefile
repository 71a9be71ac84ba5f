# rsfleet — the two commands a new user needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
ENV ?= dev
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: tfdocs help venv system-deps demo demo-down test test-fast test-aws lint bench bench-quick clean artifact

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

# checkov pins old boto3/botocore: it lives in its own venv so it cannot change ours.
CHECKOV_VENV ?= .venv-checkov
$(CHECKOV_VENV)/bin/checkov:
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q 'checkov>=3.2,<4'

venv: $(BIN)/.installed ## create .venv with rsfleet and its test tools

system-deps: ## install PostgreSQL and HAProxy if missing (root + apt), else print how
	@scripts/system-deps.sh

demo: venv system-deps ## run the whole story on a local fleet (PostgreSQL + HAProxy)
	$(BIN)/python scripts/demo.py --env $(ENV)

demo-down: venv ## stop the demo fleet
	$(BIN)/rsfleet local down --env $(ENV)

test: venv system-deps $(CHECKOV_VENV)/bin/checkov ## run the test suite (real PostgreSQL, HAProxy, terraform, checkov)
	RSFLEET_CHECKOV=$(abspath $(CHECKOV_VENV))/bin/checkov $(BIN)/pytest -n auto -m "not aws_roundtrip" $(PYTEST_ARGS)

test-fast: venv ## the inner loop: every test that starts no PostgreSQL, HAProxy or terraform
	$(BIN)/pytest -n auto -m "not fleet and not terraform and not aws_roundtrip" $(PYTEST_ARGS)

# One moto server per pytest worker (tests/aws_roundtrip); the three environments in parallel.
test-aws: venv ## dev, staging, prod: rsfleet plan -> apply -> plan (no changes) -> destroy on the AWS emulator
	$(BIN)/pytest -n 3 -m aws_roundtrip tests/aws_roundtrip $(PYTEST_ARGS)

lint: venv ## ruff, mypy --strict, import-linter (the layers: pyproject.toml), terraform fmt
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	@if command -v terraform >/dev/null; then terraform fmt -check -recursive terraform; fi

tfdocs: venv ## regenerate the input/output tables of the Terraform READMEs (scripts/tfdocs.py)
	$(BIN)/python scripts/tfdocs.py

bench: venv system-deps ## run the benchmarks (writes bench/results/*.json)
	$(BIN)/python -m bench --all
	$(BIN)/python bench/report.py

bench-quick: venv system-deps ## smoke-run every benchmark in --quick mode (two at a time)
	$(BIN)/python -m bench --all --quick --jobs 2

artifact: venv ## dist/rsfleet-lambda.zip: rsfleet + deps for the Lambda controller and the test instance (deterministic)
	$(BIN)/python -m rsfleet.controller.artifact --out dist/rsfleet-lambda.zip

clean: ## remove the venv and caches (not .rsfleet state: use `rsfleet local down --purge`)
	rm -rf $(VENV) $(CHECKOV_VENV) .pytest_cache .ruff_cache build *.egg-info src/*.egg-info

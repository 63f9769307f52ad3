# Two commands on a fresh machine: `make run` (demo on SQLite) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 5000
export PBAPP_ENV ?= development

.PHONY: run test bench lint setup browser clean translations catalogues

# Interface languages: pbapp/translations/<language>/LC_MESSAGES/messages.po are written by
# translators and kept in git; the compiled .mo files are not (set-up compiles them, and
# recompiles one whenever its .po changes). docs/translating.md explains the workflow.
TRANSLATIONS := pbapp/translations
POT := $(TRANSLATIONS)/messages.pot
PO_FILES := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)
# The keywords Flask-Babel adds to gettext's own (_, gettext, ngettext, pgettext, N_, ...).
EXTRACT := $(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
	-c Translators: --sort-by-file --no-wrap --project=pbapp

setup: $(STAMP) catalogues

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP) catalogues
	$(BIN)/flask --app pbapp db upgrade
	$(BIN)/flask --app pbapp demo load
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl-C stops)"
	PUBLIC_URL=$${PUBLIC_URL:-http://127.0.0.1:$(PORT)} $(BIN)/flask --app pbapp run --host 127.0.0.1 --port $(PORT)

# The whole suite on SQLite; when TEST_DATABASE_URL is set (CI sets a fresh PostgreSQL
# database), the database-backed tests run a second time on it.
test: $(STAMP) catalogues browser node_modules/.installed
	PBAPP_ENV=testing TEST_DATABASE_URL= $(BIN)/pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== database tests again on $$TEST_DATABASE_URL =="; \
	  PBAPP_ENV=testing $(BIN)/pytest tests --ignore=tests/allocation -p no:cacheprovider; \
	fi

# Debian's Chromium for the end-to-end tests (never a browser download). Without root or apt,
# the browser tests skip and say why (CI sets REQUIRE_BROWSER=1, which makes that a failure).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "No chromium here: the browser tests will be skipped (apt-get install chromium)."; fi; }

# axe-core for the accessibility tests, from the npm registry (skipped with a reason without npm).
node_modules/.installed: package.json
	@if command -v npm >/dev/null 2>&1; then npm install --no-audit --no-fund --silent && touch $@; \
	else echo "No npm here: the accessibility tests will be skipped."; fi

# Compile every language's catalogue whose .po is newer than its .mo.
catalogues: $(MO_FILES)

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | $(STAMP)
	$(BIN)/pybabel -q compile --statistics -l $* -i $< -o $@

# After marking strings: extract them all into messages.pot, merge it into every language's
# .po (new messages appear untranslated, changed ones marked fuzzy for a translator to check),
# then compile. tests/test_translations.py fails until each language translates what is new.
translations: $(STAMP)
	$(EXTRACT) -o $(POT) .
	@set -e; for po in $(PO_FILES); do \
	  lang=$$(basename $$(dirname $$(dirname $$po))); \
	  $(BIN)/pybabel -q update --no-wrap --previous --ignore-pot-creation-date \
	    -i $(POT) -l $$lang -o $$po; \
	done
	@# Every language is updated first; a catalogue that does not compile yet (a changed message
	@# whose old translation has the wrong placeholders) is named, and the others still compile.
	@for po in $(PO_FILES); do \
	  lang=$$(basename $$(dirname $$(dirname $$po))); \
	  $(BIN)/pybabel -q compile --statistics -l $$lang -i $$po -o $${po%.po}.mo \
	    || echo "$$lang: fix the messages named above (tests/test_translations.py checks them)"; \
	done

bench: $(STAMP)
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check pbapp allocation tests benchmarks migrations/env.py config.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache $(MO_FILES)

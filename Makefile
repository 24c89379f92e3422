# Everyday tasks. `make run` builds the handbook and validates the bundled examples;
# `make test` runs the whole test suite. Both set up the virtual environment first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HTML := docs/_build/html
DOCTREES := docs/_build/doctrees

.PHONY: run docs examples test lint pdf bench site clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[docs,test]"
	touch $(STAMP)

run: docs examples
	@echo
	@echo "Handbook built: open $(CURDIR)/$(HTML)/index.html"

# `make docs PROFILE=path/to/protocol-profile.yaml` builds a service's own edition. Sphinx's
# cache (-d) stays outside $(HTML), the folder the publish how-to says to copy to a server.
docs: $(STAMP)
	$(BIN)/sphinx-build -q -j auto -n -W -b html -c . $(if $(PROFILE),-D protocol_profile=$(abspath $(PROFILE))) -d $(DOCTREES) docs $(HTML)
	rm -rf $(HTML)/.doctrees  # left by builds before the cache moved out of the published folder

examples: $(STAMP)
	$(BIN)/protocol-checks validate examples/cases/clean

test: $(STAMP)
	bash scripts/ensure-chromium
	bash scripts/ensure-nginx
	bash scripts/fetch-sarif-schema
	$(BIN)/ruff check src tests bench conf.py
	$(BIN)/python -m pytest -q

pdf: $(STAMP)
	$(BIN)/python scripts/build_pdf.py docs/_build/handbook.pdf $(if $(PROFILE),--profile $(PROFILE))

site: $(STAMP)
	$(BIN)/python scripts/build_site.py docs/_build/site

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python bench/bench.py --files 100000

clean:
	rm -rf docs/_build .pytest_cache .ruff_cache

# codectok: the two commands of the README.
#   make demo   - set up everything on a fresh machine, then run the main job (offline, bundled models)
#   make test   - set up everything, then run the whole test suite (what CI runs)
#   make docs-check - only the offline docs check (also stage 4 of make test)
#   make course-check - only the chapter checks, on nbs/ directly (seconds; no preview)
SHELL := /bin/bash
VENV  ?= .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.codectok-setup

.PHONY: demo test setup docs-check course-check clean-venv

$(STAMP): setup.py settings.ini scripts/setup.sh
	bash scripts/setup.sh "$(VENV)"
	touch "$(STAMP)"

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/codectok demo --out demo_out

test: $(STAMP)
	bash scripts/test.sh "$(VENV)"

docs-check: $(STAMP)
	bash scripts/docs_check.sh "$(VENV)"

course-check: $(STAMP)
	$(BIN)/python scripts/docs_check.py --course nbs --max-line

clean-venv:
	rm -rf "$(VENV)"

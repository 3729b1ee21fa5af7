# Two commands on a fresh machine: `make run` (the stack) and `make test` (the whole suite).
# Both create .venv when missing and install the project's own packages; the install is
# skipped while no pyproject.toml changed (the stamp file below).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.shopdb-installed

# Every service with a pyproject.toml, core first (the others depend on the contract only).
SERVICE_PROJECTS := $(wildcard services/*/pyproject.toml)
DOMAIN_SERVICES  := $(filter-out services/core/,$(dir $(SERVICE_PROJECTS)))
PROJECTS := pyproject.toml libs/contract/pyproject.toml $(SERVICE_PROJECTS)

.PHONY: install run demo test bench bench-collector

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) $(PROJECTS)
	$(PY) -m pip install --quiet --disable-pip-version-check \
		-e libs/contract -e services/core $(addprefix -e ,$(DOMAIN_SERVICES)) -e .
	touch $@

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/shopdb up $(ARGS)

demo: $(STAMP)
	$(VENV)/bin/shopdb up --demo $(ARGS)

test: $(STAMP)
	$(PY) -m pytest $(ARGS)

bench: $(STAMP)
	$(PY) bench/assets.py $(ARGS)

bench-collector: $(STAMP)
	$(PY) bench/collector.py $(ARGS)

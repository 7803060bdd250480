# Two commands on a fresh clone: `make run` (the main job) and `make test` (the suite).
# Both create .venv with Python 3.12 if it is absent and install the project into it.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# python3.12 may be a pyenv shim that is not active; fall back to known install places.
PYTHON312 ?= $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12; do \
	if $$p -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1; then echo $$p; break; fi; done)

.PHONY: run decompose test test-fast lint install clean ui ui-assets

$(VENV)/.installed: pyproject.toml
	@if [ -z "$(PYTHON312)" ]; then echo "error: Python 3.12 not found (tried python3.12 and ~/.pyenv/versions/3.12*)" >&2; exit 2; fi
	@test -x $(PY) || $(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,ema]"
	@# Compile the model's Numba loops once into their cache (__pycache__), so the first
	@# run, and every worker process of a sweep, loads them instead of compiling them.
	$(PY) -c "from sim import SEZClusterModel; SEZClusterModel(rng=1).run(until=2005)"
	@touch $@

install: $(VENV)/.installed

# The main job: merge vs no-merge (and heterodox) on Kazakhstan with common random
# numbers; REPLICATIONS is sized so that `make run` takes about a minute on 2 cores (30:
# the Kazakhstan scenario has one model firm per enterprise since issue 13, 14,156 firms
# at the start, and a run costs about 1.7 times what it did at 1,915; 30 replications
# keep the analysis above its minimum of 10, and README gives the spread they leave).
# First, scenario discovery (experiments/discover_merge.yaml, 160 runs, about 25 s):
# where merging wins, whose PRIM box the compare report includes next to its synergy map.
REPLICATIONS ?= 30
run: install
	$(VENV)/bin/sezsim discover experiments/discover_merge.yaml \
		--out results/discover_merge --overwrite
	$(VENV)/bin/sezsim compare scenarios/kazakhstan.yaml --replications $(REPLICATIONS) \
		--out results/compare-kazakhstan --overwrite --discovery results/discover_merge

# The synergy by channel (16 arms x 40 replications, about 2.5 min on 2 idle cores), then
# the compare report again with the channels in it (after make run: its store is reused,
# no run is repeated). An interrupted decomposition is completed; after a code change
# the stored one is refused, and `make decompose FRESH=1` replaces it.
decompose: install
	$(VENV)/bin/sezsim decompose scenarios/kazakhstan.yaml --out results/decompose-kazakhstan \
		$(if $(FRESH),--overwrite,--resume)
	$(VENV)/bin/sezsim compare scenarios/kazakhstan.yaml --replications $(REPLICATIONS) \
		--out results/compare-kazakhstan --discovery results/discover_merge \
		--decomposition results/decompose-kazakhstan

test: install
	$(VENV)/bin/python -m pytest -q

test-fast: install
	$(VENV)/bin/python -m pytest -q -m "not slow and not ui"

# Solara's front-end (Vuetify app, fonts, RequireJS, vega) from the npm registry into the
# venv's asset cache, so the UI needs no CDN; `sezsim ui` also does this when needed.
ui-assets: install
	$(PY) -m sim.ui.assets

ui: ui-assets
	$(VENV)/bin/sezsim ui

lint: install
	$(VENV)/bin/ruff check sim tests
	$(VENV)/bin/ruff format --check sim tests

clean:
	rm -rf $(VENV) results .pytest_cache

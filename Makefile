# innograph — the two commands a researcher needs: `make serve` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STORE ?= var/store
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install assets wheel serve test system-deps bench bench-full fuzz soak clean data

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/.installed

# The browser side (YASGUI editor, result views, maps, vis-network, world outlines): npm packages
# pinned by package-lock.json, bundled by frontend/build.mjs into src/innograph/web/static/build/.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.installed
	npm run --silent build

# A wheel with the built assets inside (pyproject package-data lists web/static/build/*).
wheel: install assets
	$(BIN)/python -m pip wheel --no-deps -q -w dist .

# Loads and validates data/ into the on-disk store, then serves on $(HOST):$(PORT).
serve: install assets
	$(BIN)/innograph --store $(STORE) load data/
	$(BIN)/innograph --store $(STORE) serve --host $(HOST) --port $(PORT)

# Regenerates data/breadth-*.ttl from the RML mappings (mappings/*.rml.ttl) and sources/breadth/.
# Starts from the hand-written data only and ingests the mappings in name order, so a triple an
# earlier graph holds is not restated by a later one (each triple has one home).
data: install
	rm -rf var/data-build
	$(BIN)/innograph --store var/data-build load $(filter-out data/breadth-%,$(wildcard data/*.ttl))
	for mapping in mappings/*.rml.ttl; do \
	  $(BIN)/innograph --store var/data-build ingest --output-dir data $$mapping || exit 1; done
	rm -rf var/data-build

# Browser tests need Debian's chromium and chromedriver, and CJK fonts so pages in Korean show real
# glyphs in screenshots; `make assets` needs node and npm. The remote-store tests need Debian's
# Virtuoso (virtuoso-opensource). Installed here when missing (root only).
system-deps:
	@if ! fc-list 2>/dev/null | grep -q "Noto Sans CJK"; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; \
	  else echo "note: without fonts-noto-cjk, Korean shows as boxes in browser screenshots"; fi; \
	fi
	@if ! command -v npm >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	  else echo "node and npm are needed for make assets: sudo apt-get install nodejs npm"; exit 2; fi; \
	fi
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else echo "chromium and chromium-driver are needed for the browser tests: sudo apt-get install chromium chromium-driver"; exit 2; fi; \
	fi
	@if ! command -v virtuoso-t >/dev/null 2>&1 || ! command -v isql-vt >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource >/dev/null; \
	  else echo "virtuoso-opensource is needed for the remote-store tests: sudo apt-get install virtuoso-opensource"; exit 2; fi; \
	fi

test: install system-deps assets
	$(BIN)/pytest -q

# The hardening suites at length: many more hypothesis examples (HYPOTHESIS_PROFILE=fuzz), a longer
# load test, more SIGKILL points, then coverage-guided atheris runs. Bounded by counts and timeouts.
FUZZ_RUNS ?= 200000
fuzz: install
	$(BIN)/python -m pip install -q -e '.[fuzz]'
	HYPOTHESIS_PROFILE=fuzz INNOGRAPH_LOAD_SECONDS=60 INNOGRAPH_CRASH_POINTS=0.25,0.5,0.75,0.9,commit \
	  timeout 5400 $(BIN)/pytest -q tests/test_hostile_input.py tests/test_attacks.py tests/test_load_and_faults.py
	timeout 1800 $(BIN)/python fuzz/atheris_http.py -runs=$(FUZZ_RUNS) -max_len=4096 -timeout=20

# Ten minutes of the mixed read/write load test (zero errors, zero lost writes, p50/p99 printed).
soak: install
	INNOGRAPH_LOAD_SECONDS=600 timeout 1200 $(BIN)/pytest -q tests/test_load_and_faults.py -k concurrent

bench: install
	$(BIN)/python -m bench --quick

bench-full: install
	$(BIN)/python -m bench --full

clean:
	rm -rf $(VENV) var .pytest_cache node_modules src/innograph/web/static/build

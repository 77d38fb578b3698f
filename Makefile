# Prachakhom: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint bench bench-api bench-journey bench-scale build validate system-deps package clean
JS_DEPS := tests/js/node_modules/.package-lock.json

# Python environment: every package pinned by pyproject.toml + constraints.txt.
$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

# Debian's chromium for the browser tests (a test tool's own browser download does not work here),
# and node/npm for axe-core and lighthouse.
system-deps:
	@command -v chromium >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium \
	    $$(command -v npm >/dev/null 2>&1 || echo nodejs npm) ; }

# axe-core and lighthouse, exactly as locked (no browser download).
$(JS_DEPS): tests/js/package.json tests/js/package-lock.json
	npm ci --prefix tests/js --no-audit --no-fund
	touch $@

## make demo: install, start moto + the API + the demo sites on 127.0.0.1 (sites on :8000)
demo: $(VENV)/.installed
	$(BIN)/prachakhom demo

## make test: install everything (Python packages, chromium) and run lint + the whole test suite
test: $(VENV)/.installed system-deps $(JS_DEPS)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -n 2 --dist loadfile

validate: $(VENV)/.installed
	$(BIN)/prachakhom validate

build: $(VENV)/.installed
	$(BIN)/prachakhom build

bench: $(VENV)/.installed
	$(BIN)/python tests/bench/site_build.py

bench-api: $(VENV)/.installed
	$(BIN)/python tests/bench/api.py

bench-scale: $(VENV)/.installed
	$(BIN)/python tests/bench/scale.py

bench-journey: $(VENV)/.installed system-deps $(JS_DEPS)
	$(BIN)/python tests/bench/journey.py

## make package: the deployable bundle (core, content and generator vendored) for AWS
package: $(VENV)/.installed
	$(BIN)/python -m prachakhom.commands.package vendor
	cd functions && ../$(BIN)/chalice package --stage prod ../build/sam

clean:
	rm -rf build .demo

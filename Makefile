# Prachakhom: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint bench build validate system-deps clean

# Python environment: every package pinned by pyproject.toml + constraints.txt.
$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

# Debian's chromium for the browser tests (a test tool's own browser download does not work here).
system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium ; }

## make demo: install, build the demo sites and serve them on http://127.0.0.1:8000/
demo: $(VENV)/.installed
	$(BIN)/prachakhom demo

## make test: install everything (Python packages, chromium) and run lint + the whole test suite
test: $(VENV)/.installed system-deps
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 --dist loadfile

validate: $(VENV)/.installed
	$(BIN)/prachakhom validate

build: $(VENV)/.installed
	$(BIN)/prachakhom build

bench: $(VENV)/.installed
	$(BIN)/python tests/bench/site_build.py

clean:
	rm -rf build .demo

# Prachakhom: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint bench bench-api bench-journey bench-scale bench-city bench-cost build validate system-deps package clean
IAC    := .venv-iac
REGION ?= ap-southeast-7
JS_DEPS := tests/js/node_modules/.package-lock.json

# Python environment: every package pinned by pyproject.toml + constraints.txt.
$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

# cfn-lint, AWS's SAM translator and checkov for the offline template tests, in their own virtualenv:
# they pin versions (pydantic among them) that constraints.txt does not allow.
$(IAC)/.installed: infra/requirements-iac.txt
	$(PYTHON) -m venv $(IAC)
	$(IAC)/bin/pip install --quiet --upgrade pip
	$(IAC)/bin/pip install --quiet -r infra/requirements-iac.txt
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
test: $(VENV)/.installed $(IAC)/.installed system-deps $(JS_DEPS)
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

bench-city: $(VENV)/.installed system-deps
	$(BIN)/python tests/bench/city.py

## make bench-cost: re-measure what each action consumes into infra/usage.json (the cost model's input)
bench-cost: $(VENV)/.installed
	$(BIN)/python tests/bench/cost_profile.py

## make package [REGION=ap-southeast-1]: the pruned Lambda bundle and the stack's template in build/sam
package: $(VENV)/.installed
	$(BIN)/python -m prachakhom.commands.deployment --stage prod --region $(REGION) --out build/sam

clean:
	rm -rf build .demo

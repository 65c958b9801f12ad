# One-command set-up: every target creates the virtual environment when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Branch coverage may only rise: raise this when the suite covers more, never lower it.
COVERAGE_FLOOR := 90

.PHONY: install lock test test-slow lint typecheck layers reliability demo sandbox bench docs clean

install: $(STAMP)

# Exactly the versions in requirements.lock (no resolution), then the package itself.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check
	$(BIN)/python -m compileall -q reconciler  # as pip does for a wheel: runs read .pyc even under PYTHONDONTWRITEBYTECODE
	touch $(STAMP)

# After changing dependencies in pyproject.toml: resolve them afresh and pin the result.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet -e '.[dev]'
	{ echo '# Pinned versions of every runtime and development dependency (`make lock` regenerates it).'; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable | sort -f; } > requirements.lock
	rm -rf .lock-venv

lint: $(STAMP)
	$(BIN)/ruff check reconciler tests bench scripts
	$(BIN)/ruff format --check reconciler tests bench scripts
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows examples/github/*.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.github-actions action.yml
	$(BIN)/zizmor --offline --no-progress action.yml examples/github/*.yml
	$(BIN)/hadolint Dockerfile
	$(BIN)/kubernetes-validate --strict --quiet -k 1.31.0 deploy/kubernetes/*.yaml

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy bench  # the benchmarks use the core's records: a change there must not break them

layers: $(STAMP)
	$(BIN)/lint-imports

test: lint typecheck layers
	$(BIN)/python -m pytest -q -n auto -m "not slow" --cov=reconciler --cov-branch --cov-report=term:skip-covered --cov-fail-under=$(COVERAGE_FLOOR)

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

# Real processes killed at random, simultaneous applies, lost ledgers, hostile servers and files
# (loopback only, seeded, about 10 minutes); `make test` runs the short version.
reliability: $(STAMP)
	$(BIN)/python scripts/reliability.py

# TRANSCRIPT=FILE also records what each shown command printed (the README's examples come from it).
demo: $(STAMP)
	$(BIN)/python scripts/demo.py $(if $(TRANSCRIPT),--transcript $(TRANSCRIPT))

sandbox: $(STAMP)
	$(BIN)/python scripts/sandbox.py $(SANDBOX_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/run.py

# The manifest reference from schemas/, and the demo's examples from a fresh run of the demo.
docs: $(STAMP)
	$(BIN)/python scripts/gen_docs.py
	$(BIN)/python scripts/demo.py --transcript .demo-transcript.json > /dev/null
	$(BIN)/python scripts/readme_examples.py --write .demo-transcript.json
	$(BIN)/python scripts/page_shot.py .demo-transcript.json docs/status.png
	rm -f .demo-transcript.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .reconciler .demo-transcript.json

# Two commands on a fresh clone: `make run` (service + demo data) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml clients/python/pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install run test lint lock bench clean

# --no-deps: the lock names every package, so pip needs no resolver (pip 23 otherwise re-resolves
# extras such as lxml[html_clean] to the newest release and rejects it under --require-hashes).
$(STAMP): requirements.lock pyproject.toml clients/python/pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --require-hashes -r requirements.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e clients/python
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/orbit serve --demo

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks clients/python/src scripts/gen_client_models.py
	$(BIN)/mypy

# Scale 1 (2M people, ~30M signals/day): generated and loaded once into bench-data/, then reused.
bench: $(STAMP)
	$(BIN)/python benchmarks/topics_at_scale.py
	$(BIN)/python benchmarks/preview.py
	$(BIN)/python benchmarks/runs.py
	$(BIN)/python benchmarks/changes.py
	$(BIN)/python benchmarks/contention.py

# Re-pin dependencies (needs network to the package index); commit the new lock file.
lock:
	$(BIN)/python -m pip install -q uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache

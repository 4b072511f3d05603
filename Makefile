# Two entry points: `make demo` runs the product on the bundled sample, `make test` runs the tests
# (`make test-fast`: only those that need no corpus and take seconds, for the edit-test loop;
# `make lint`: ruff and mypy, run by CI before the tests).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: demo test test-fast lint install clean

$(BIN)/newssearch: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

install: $(BIN)/newssearch

demo: install
	$(BIN)/newssearch reindex --archive sample/archive --index index
	$(BIN)/newssearch query "START treaty" --index index --limit 3
	@echo
	@echo "Serving the sample archive at http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	$(BIN)/newssearch serve --index index --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not corpus and not slow and not opensearch"

# Settings in pyproject.toml ([tool.ruff], [tool.mypy]: strict on src/).
lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache
	find index -mindepth 1 ! -name .gitignore -delete

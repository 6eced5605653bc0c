# Two commands: `make demo` and `make test`. Both create .venv on first use (Python 3.11).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOME_DIR ?= var
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: demo test bench lint format clean

$(BIN)/huizong: pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "huizong needs Python 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

demo: $(BIN)/huizong
	$(BIN)/huizong init --home $(HOME_DIR) --demo
	$(BIN)/huizong templates --home $(HOME_DIR) --unit 990121 --period 2025
	$(BIN)/huizong demo --home $(HOME_DIR) --unit 990121 --period 2025
	$(BIN)/huizong status --home $(HOME_DIR)

test: $(BIN)/huizong lint
	$(BIN)/pytest -q

# Generates bench/data/ on first use (about 1.5 min), then runs every scale: see docs/performance.md.
bench: $(BIN)/huizong
	$(BIN)/python -m bench.run $(if $(SCALES),--scales $(SCALES)) $(BENCH_ARGS)

lint: $(BIN)/huizong
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(BIN)/huizong
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(HOME_DIR) .mypy_cache .ruff_cache .pytest_cache

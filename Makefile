# Two commands: `make demo` and `make test`. Both create .venv on first use (Python 3.11).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOME_DIR ?= var
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: demo serve look test bench lint format clean

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

# The portal on the demo data: accounts for the whole demo city (one-time passwords in var/demo-accounts.json).
serve: demo
	@test -s $(HOME_DIR)/demo-accounts.json || \
	  $(BIN)/huizong accounts create --home $(HOME_DIR) --under 990100 --json > $(HOME_DIR)/demo-accounts.json
	@$(BIN)/python -c 'import json; a = {x["code"]: x for x in json.load(open("$(HOME_DIR)/demo-accounts.json"))}; \
	  [print("演示账号 %s（%s）：初始密码 %s" % (c, a[c]["name"], a[c]["password"] or "已使用过，见 huizong accounts reset")) \
	   for c in ("990121", "990121101")]'
	$(BIN)/huizong serve --home $(HOME_DIR) $(if $(PORT),--port $(PORT))

# Every workbook and document of the demo printed to PDF by LibreOffice and to PNG pages under var/look/, each checked
# for text that overlaps or leaves its cell. Needs soffice and pdftoppm (Debian: libreoffice-calc-nogui,
# libreoffice-writer-nogui, poppler-utils, fonts-wqy-microhei, fonts-crosextra-carlito).
look: demo
	$(BIN)/python -m huizong.look --home $(HOME_DIR)

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

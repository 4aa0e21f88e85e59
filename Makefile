# Two set-up commands, both self-contained on a fresh machine with Python 3.11+:
#   make run    create .venv, install, migrate SQLite, seed the demo, serve on 127.0.0.1:8000
#   make test   create/update .venv with dev extras and run the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint bench bench-smoke contract clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*; touch $@

run: $(STAMP)
	$(BIN)/flashpanel serve --demo

test: $(STAMP)
	$(BIN)/python tests/run_all.py

# mypy --strict (pyproject's [tool.mypy]) on every tree of Python in the repository, tests and bench included.
LINT_PATHS := src tests bench
lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/mypy $(LINT_PATHS)

bench: $(STAMP)
	$(BIN)/python bench/run.py

bench-smoke: $(STAMP)
	$(BIN)/python bench/run.py --smoke

# schemathesis against a live server: SQLite, then PostgreSQL + Redis (FLASHPANEL_TEST_REDIS_URL; docs/api.md).
contract: $(STAMP)
	@status=0; $(BIN)/python -m tests.contract.run --backend sqlite || status=1; \
	$(BIN)/python -m tests.contract.run --backend postgres || status=1; exit $$status

clean:
	rm -rf $(VENV) flashpanel.db* flashpanel.key flashpanel-demo.key

# The two commands of the README: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test setup demo clean snapshots bench mutate

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

setup: $(STAMP)

# Opens the dashboard on a fresh demo proposal in a temporary folder.
run: $(STAMP)
	@dir=$$(mktemp -d)/proposal; \
	$(BIN)/proposal demo "$$dir" >/dev/null && \
	echo "demo proposal: $$dir" && \
	$(BIN)/proposal --repo "$$dir"

# The layering contracts first (pyproject.toml [tool.importlinter]): a broken one fails the build.
# The suite runs on two workers (a file stays on one); the SSH servers, the benchmarks and the
# wheel install run after it on their own, as their ports and figures want the machine alone.
ALONE := tests/ssh tests/bench tests/packaging
test: $(STAMP)
	@bash tests/setup_machine.sh
	$(BIN)/lint-imports --no-cache
	$(BIN)/ruff check proposal_tui tests benchmarks
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2 --dist loadfile tests $(ALONE:%=--ignore=%)
	$(BIN)/python -m pytest -q -p no:cacheprovider $(ALONE)

snapshots: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/tui/test_tui_snapshots.py --snapshot-update

# Mutation testing of domain/ and store/ ([tool.mutmut] in pyproject.toml); slow, so not part
# of `make test` or CI. Resumable: a second run continues where the last stopped. Narrow it
# with MUTANTS, e.g. make mutate MUTANTS='proposal_tui.domain.*'
MUTANTS ?=
mutate: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,mutate]'
	$(BIN)/mutmut run --max-children 2 $(MUTANTS)
	$(BIN)/mutmut results

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b; done

clean:
	rm -rf $(VENV) build *.egg-info mutants .mutmut-cache

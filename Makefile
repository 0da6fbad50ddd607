# Each target sets up .venv on first use (Python 3.11, CPU-only torch from the pinned local wheel).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TRACK  := $(VENV)/.installed-track
export USE_TF := 0

.PHONY: setup demo test lint bench clean-venv

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# esm declares Python>=3.12 and CUDA extras; its real needs are in pyproject's dependencies.
	$(BIN)/python -m pip install --quiet --no-deps --ignore-requires-python 'esm==3.4.1.post1'
	touch $@

# The tracker loggers' packages (the [track] extra) and the tuning sweeper's ([tune]): what the test suite needs beyond the demo.
$(TRACK): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,track,tune]'
	touch $@

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/protsweep sweep=demo

# One pytest worker per core; a test file stays on one worker (its module fixtures are shared).
test: $(TRACK)
	$(BIN)/python -m pytest -q -n auto --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

clean-venv:
	rm -rf $(VENV)

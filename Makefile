# Two commands do all the set-up on a fresh machine:
#   make demo   # creates .venv, installs the package, runs the end-to-end demonstration
#   make test   # creates .venv, installs the package, runs ruff and the test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test lint bench install

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# constraints.txt pins the CPU build of torch (a multi-GB CUDA build otherwise).
	$(PY) -m pip install -q -c constraints.txt -e ".[all]"
	touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed
	$(PY) examples/demo.py

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

test: lint
	$(PY) -m pytest -n 2 --dist loadgroup --doctest-modules sklearn_shotgun tests

# Two commands do all the set-up on a fresh machine:
#   make demo   # creates .venv, installs the package, runs the end-to-end demonstration
#   make test   # creates .venv, installs the package, runs ruff and the test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test lint bench install docs

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# constraints.txt pins the CPU build of torch (a multi-GB CUDA build otherwise).
	$(PY) -m pip install -q -c constraints.txt -e ".[all]"
	touch $@

install: $(VENV)/.installed

# Data sets are read from ../shared/data when it exists (a local mirror of the public
# sources); otherwise QM9 comes from the qm9pack package and RadonPy is downloaded once.
SHARED_DATA := $(abspath $(wildcard ../shared/data))

demo: $(VENV)/.installed
	$(if $(SHARED_DATA),SKLEARN_SHOTGUN_DATA=$(SHARED_DATA)) $(PY) examples/demo.py

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

test: lint
	$(PY) -m pytest -n 2 --dist loadgroup --doctest-modules sklearn_shotgun tests

# The documentation site (Sphinx): API reference from the docstrings, user guide, and the
# example gallery, whose examples run during the build (offline, on ../shared/data when it
# exists). -E re-reads every page, so warnings of unchanged pages are reported again;
# gallery examples are re-run only when they change. Warnings and broken references fail it.
# One torch thread: the examples' small networks train faster so on a busy machine.
docs: $(VENV)/.installed
	$(if $(SHARED_DATA),SKLEARN_SHOTGUN_DATA=$(SHARED_DATA)) MPLBACKEND=Agg OMP_NUM_THREADS=1 \
		$(PY) -m sphinx -E -W --keep-going -n -b html docs docs/_build/html
	@echo "Documentation: $(CURDIR)/docs/_build/html/index.html"

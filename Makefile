# Better Deep Learning: the course's commands. `make` alone lists them.
#
# Every target creates the environment in .venv first if it is missing or out of
# date (pyproject.toml or constraints.txt changed), with the tested versions of
# constraints.txt; when nothing changed, that step costs nothing.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# The tests run in PYTEST_WORKERS processes (pytest-xdist, --dist loadgroup:
# a notebook's cells, and a chapter's grading round trip, stay in one worker;
# see conftest.py). PYTEST_WORKERS=0 runs them in this process, one by one.
PYTEST_WORKERS ?= 2
PYTEST_PARALLEL = $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadgroup)
LAB_ARGS ?=
# Chapters: the folders notebooks/NN-name/ that hold NN-name.ipynb (= nbgrader assignments).
CHAPTERS = $(sort $(foreach d,$(wildcard notebooks/*/),$(if $(wildcard $(d)$(notdir $(d:/=)).ipynb),$(notdir $(d:/=)))))
RUFF_PATHS = $(wildcard bdl_helpers tests scripts benchmarks notebooks conftest.py nbgrader_config.py nbgrader_steps.py)
# JupyterLab's configuration for each audience (jupyter-config/learner, .../instructor):
# learners see the Validate button but no instructor tools; neither sees the
# exchange-based assignment lists (no exchange here) or the news pop-up.
# Jupyter refuses to run as root (containers, CI) unless told.
ALLOW_ROOT = $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)

# nbgrader runs the `alembic` executable of the environment when it creates
# gradebook.db, and JupyterLab's terminals should see the course's tools: so the
# environment's bin folder comes first on PATH for every command below.
export PATH := $(CURDIR)/$(BIN):$(PATH)

.DEFAULT_GOAL := help
.PHONY: help install lab instructor test test-fast notebooks student benchmark binder-check constraints clean-venv

help: ## List the commands
	@echo "Better Deep Learning, an interactive course. Commands:"
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "Set PYTHON=/path/to/python3.11+ to choose the interpreter for .venv."

install: $(STAMP) ## Create .venv and install the course in it (other targets do it too)

$(STAMP): pyproject.toml constraints.txt
	@if [ ! -x $(BIN)/python ]; then \
	  command -v $(PYTHON) >/dev/null 2>&1 || { \
	    echo "error: '$(PYTHON)' not found. The course needs Python 3.11 or newer;" \
	      "install it, or name it: make $(or $(MAKECMDGOALS),install) PYTHON=python3.11" >&2; \
	    exit 1; }; \
	  $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	    echo "error: the course needs Python 3.11 or newer, and '$(PYTHON)' is" \
	      "$$($(PYTHON) --version 2>&1)." >&2; \
	    echo "       Install Python 3.11+, then run: make $(or $(MAKECMDGOALS),install) PYTHON=python3.11" >&2; \
	    exit 1; }; \
	  echo "Creating $(VENV) with $$($(PYTHON) --version)"; \
	  $(PYTHON) -m venv $(VENV) || { \
	    echo "error: '$(PYTHON) -m venv' failed. On Debian or Ubuntu: sudo apt install python3-venv" >&2; \
	    rm -rf $(VENV); exit 1; }; \
	fi
	@$(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "error: $(VENV) has $$($(BIN)/python --version); the course needs 3.11+." \
	    "Run 'make clean-venv' and try again." >&2; exit 1; }
	@# uv installs the same pinned set as pip would, in a third of the time (it
	@# downloads and unpacks in parallel: 56 s against 147 s on the 2-core test
	@# machine); --compile-bytecode writes the .pyc files pip would, so that no
	@# kernel recompiles TensorFlow's sources at import. Where uv cannot be
	@# installed or fails, pip does the job.
	@echo "uv pip install -c constraints.txt -e \".[test]\""
	@if $(BIN)/python -m pip install --disable-pip-version-check -q -c constraints.txt uv \
	  && $(BIN)/python -m uv pip install --python $(BIN)/python --compile-bytecode \
	    -c constraints.txt -e ".[test]"; then :; \
	else \
	  echo "uv could not install the course: installing with pip"; \
	  $(BIN)/python -m pip install --disable-pip-version-check -c constraints.txt -e ".[test]"; \
	fi
	@touch $@

lab: $(STAMP) ## Open the course for learners: your own copies of the chapters, in work/
	$(BIN)/python scripts/student_workspace.py
	JUPYTER_CONFIG_DIR="$(CURDIR)/jupyter-config/learner" \
	  $(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)/work" \
	  --LabApp.default_url=/lab/tree/START-HERE.ipynb \
	  $(ALLOW_ROOT) $(LAB_ARGS)

instructor: $(STAMP) ## Open the instructor versions (notebooks/, with solutions)
	JUPYTER_CONFIG_DIR="$(CURDIR)/jupyter-config/instructor" \
	  $(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" \
	  --LabApp.default_url=/lab/tree/notebooks $(ALLOW_ROOT) $(LAB_ARGS)

test: $(STAMP) ## Lint, then run every test: unit, grading pipeline, notebooks (nbval)
	$(BIN)/ruff check $(RUFF_PATHS)
	MPLBACKEND=Agg $(BIN)/python -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

test-fast: $(STAMP) ## Lint, then the quick tests only (no notebooks, grading runs, engine fidelity or browser test)
	$(BIN)/ruff check $(RUFF_PATHS)
	MPLBACKEND=Agg $(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

notebooks: $(STAMP) ## Re-execute every notebook in place, storing outputs and plots
	$(BIN)/python scripts/execute_notebooks.py

student: $(STAMP) ## Generate the student versions of all chapters into release/
	@test -n "$(CHAPTERS)" || { echo "No chapters under notebooks/ yet."; exit 0; }
	@for chapter in $(CHAPTERS); do \
	  echo "nbgrader generate_assignment $$chapter"; \
	  $(BIN)/python -m nbgrader generate_assignment "$$chapter" --force --log-level=WARN \
	    || exit 1; \
	done
	@echo "Student versions: release/<chapter>/<chapter>.ipynb"

benchmark: $(STAMP) ## Time the training engine and the notebooks (benchmarks/)
	@ran=; for script in benchmarks/engine.py benchmarks/notebooks.py; do \
	  if [ -f "$$script" ]; then echo "$(BIN)/python $$script"; \
	    $(BIN)/python "$$script" || exit 1; ran=1; fi; \
	done; test -n "$$ran" || echo "No benchmarks yet (benchmarks/engine.py, benchmarks/notebooks.py)."

binder-check: $(STAMP) ## Build the course from binder/ alone, as Binder does, and walk a learner's first steps in it (~5 min)
	$(BIN)/python scripts/binder_check.py

constraints: ## Record the versions installed in .venv as constraints.txt (after upgrading)
	@test -x $(BIN)/python || { echo "error: no $(VENV) yet: run 'make install' first." >&2; exit 1; }
	@{ \
	  echo "# The tested set of versions: 'make' and CI install the course with"; \
	  echo "#   uv pip install -c constraints.txt -e \".[test]\"  (uv itself pinned below)"; \
	  echo "# while pyproject.toml keeps the bounds. To upgrade, then regenerate this file:"; \
	  echo "#   .venv/bin/pip install --upgrade --upgrade-strategy eager -e \".[test]\""; \
	  echo "#   make constraints && make test"; \
	  echo "# ('make constraints' = .venv/bin/pip freeze --exclude-editable, without"; \
	  echo "# bdl-helpers, on Linux x86-64; the last line pins the 'tensorflow' build"; \
	  echo "# that the other platforms install instead of tensorflow-cpu.) Use a .venv"; \
	  echo "# made with the oldest Python the course supports (Debian 12 has 3.11.2): a"; \
	  echo "# pin that needs a newer one fails tests/test_environment_files.py."; \
	  $(BIN)/python -m pip freeze --exclude-editable --disable-pip-version-check \
	    | grep -v -i -E '^(bdl[-_]helpers|pip|setuptools|wheel)[=@ ]'; \
	  $(BIN)/python -m pip freeze --disable-pip-version-check \
	    | sed -n -E 's/^tensorflow[-_]cpu==([^ ]+)$$/tensorflow==\1 ; platform_machine != "x86_64" or sys_platform != "linux"/p'; \
	} > constraints.txt.new
	@mv constraints.txt.new constraints.txt
	@test ! -f $(STAMP) || touch $(STAMP)
	@echo "constraints.txt: $$(grep -c -v '^#' constraints.txt) pinned packages"

clean-venv: ## Delete .venv (the next command recreates it)
	rm -rf $(VENV)

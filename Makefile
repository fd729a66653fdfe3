# The two commands of the README: `make demo` (the main job) and `make test`.
# Both install what they need and are safe to run twice.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test lint typecheck pytest bench system-deps clean

# Each area that needs tools for its tests (MCP servers, Neovim, code-server...)
# adds a make fragment under mk/ that appends its install target to TEST_DEPS.
TEST_DEPS :=
-include mk/*.mk

# Debian packages the tests and the demo use. Installed only when missing, so a
# second run costs nothing and a machine without root still works if they are there.
system-deps:
	@missing=""; \
	command -v rg >/dev/null 2>&1 || missing="$$missing ripgrep"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null; \
	fi

# Orchestra alone for the demo; the test tools (pytest, mypy, ruff...) on top for `make test`.
$(STAMP): pyproject.toml
	@echo "Setting up $(VENV) with Orchestra and its Python packages (the first time takes a minute)..."
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# Not quiet: each package it collects and installs is a line (the step's progress).
	@# The venv's own pip installs an editable package as it is: no upgrade first.
	$(PY) -m pip install --disable-pip-version-check -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	@echo "Adding the test tools to $(VENV)..."
	$(PY) -m pip install -q -e '.[test]'
	touch $(TEST_STAMP)

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check server tests bench examples
	$(VENV)/bin/ruff format --check server tests bench examples

# The tests' folders (not the installed node and MCP-server trees under them).
TEST_FOLDERS := $(shell find tests -name '*.py' -not -path '*/node_modules/*' -not -path '*/.venvs/*' -printf '%h\n' | sort -u)
empty :=
space := $(empty) $(empty)

# The package, the benchmarks (one imports the LSP tests' client helpers), then the
# tests a folder at a time: every folder's conftest.py is a module named `conftest`,
# and tests import their helpers by bare name (pytest's importlib mode), so every
# test folder is on the search path.
typecheck: $(TEST_STAMP)
	$(VENV)/bin/mypy
	MYPYPATH=tests/lsp $(VENV)/bin/mypy bench
	@echo "mypy --strict on the tests, a folder at a time..."
	@status=0; for folder in $(TEST_FOLDERS); do \
	  MYPYPATH=server:$(subst $(space),:,$(TEST_FOLDERS)) \
	    $(VENV)/bin/mypy --no-error-summary --explicit-package-bases $$folder/*.py || status=1; \
	done; exit $$status

# Two workers, a test file each at a time (module fixtures such as code-server stay
# in one worker): most tests wait on real editors and servers, not on the CPU.
# `make test PYTEST_WORKERS=0` runs the suite in one process.
PYTEST_WORKERS ?= 2

pytest: $(TEST_STAMP) system-deps $(TEST_DEPS)
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile

test: lint typecheck pytest

# The demo drives real MCP servers (the ticket tracker, a browser): only the
# browser server and Debian's chromium, not every server the tests use. They install
# while pip does (each step prints what it installs): pip keeps one core busy, npm the
# other, which saves the npm step's time on a fresh machine.
demo:
	@$(MAKE) --no-print-directory -j2 $(STAMP) system-deps demo-servers
	$(PY) -m orchestra_lsp demo

# Benchmarks use the test servers and, for the LSP start-up peers, their own venv.
bench: $(TEST_STAMP) system-deps mcp-test-servers lsp-bench-peers
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) dist build .mypy_cache .ruff_cache .pytest_cache

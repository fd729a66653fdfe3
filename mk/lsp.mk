# The language server's test and benchmark tools (see server/orchestra_lsp/lsp/README.md).

# Headless Neovim drives the server in tests/nvim: Debian's package (0.7.2), installed
# only when missing so a second `make test` costs nothing.
.PHONY: lsp-neovim lsp-bench-peers bench-lsp
lsp-neovim:
	@command -v nvim >/dev/null 2>&1 || { \
		echo "Installing Debian's neovim"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq neovim) >/dev/null; \
	}

TEST_DEPS += lsp-neovim

# Peers for the spawn -> initialize benchmark live in their own virtualenv, apart from
# the project's: they pin pygls and friends differently.
BENCH_VENV := $(VENV)/bench-peers
$(BENCH_VENV)/.installed:
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install -q jedi-language-server python-lsp-server
	touch $@

lsp-bench-peers: $(BENCH_VENV)/.installed

bench-lsp: $(STAMP) lsp-bench-peers
	$(PY) bench/lsp_initialize.py --peers $(BENCH_VENV)/bin
	$(PY) bench/lsp_code_action.py
	$(PY) bench/workspace_edit.py

# Real MCP servers for the MCP tests (issue 4), installed locally and pinned so the
# tests never fetch anything at run time. Each install leaves a stamp named after its
# pinned version: a second `make` costs nothing, a version bump reinstalls.
#   - npm servers: tests/mcp/node (package.json + package-lock.json, `npm ci`)
#   - mcp-server-git: its own virtualenv (keeps our .venv exactly as pyproject says)
#   - mcp-atlassian: its own virtualenv (it pins mcp<2; ours is mcp 2.x)
#   - Debian's chromium for @playwright/mcp (never a browser download)

MCP_NODE_DIR := tests/mcp/node
MCP_VENVS := tests/mcp/.venvs
MCP_GIT_VERSION := 2026.10.19
MCP_ATLASSIAN_VERSION := 0.23.1
MCP_PYTHON ?= python3

MCP_NODE_STAMP := $(MCP_NODE_DIR)/node_modules/.orchestra-installed
MCP_GIT_STAMP := $(MCP_VENVS)/git/.installed-$(MCP_GIT_VERSION)
MCP_ATLASSIAN_STAMP := $(MCP_VENVS)/atlassian/.installed-$(MCP_ATLASSIAN_VERSION)

.PHONY: mcp-test-servers mcp-chromium demo-servers

mcp-test-servers: $(MCP_NODE_STAMP) $(MCP_GIT_STAMP) $(MCP_ATLASSIAN_STAMP) mcp-chromium

# What `make demo` needs: the browser's MCP server and Debian's chromium.
demo-servers: $(MCP_NODE_STAMP) mcp-chromium

$(MCP_NODE_STAMP): $(MCP_NODE_DIR)/package.json $(MCP_NODE_DIR)/package-lock.json
	@echo "Installing the npm MCP servers (a browser server among them; first time: a minute)..."
	cd $(MCP_NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(MCP_GIT_STAMP):
	@echo "Installing mcp-server-git $(MCP_GIT_VERSION) in its own virtualenv (for the tests)..."
	rm -rf $(MCP_VENVS)/git
	$(MCP_PYTHON) -m venv $(MCP_VENVS)/git
	$(MCP_VENVS)/git/bin/python -m pip install -q --disable-pip-version-check 'mcp-server-git==$(MCP_GIT_VERSION)'
	touch $@

$(MCP_ATLASSIAN_STAMP):
	@echo "Installing mcp-atlassian $(MCP_ATLASSIAN_VERSION) in its own virtualenv (for the tests)..."
	rm -rf $(MCP_VENVS)/atlassian
	$(MCP_PYTHON) -m venv $(MCP_VENVS)/atlassian
	$(MCP_VENVS)/atlassian/bin/python -m pip install -q --disable-pip-version-check 'mcp-atlassian==$(MCP_ATLASSIAN_VERSION)'
	touch $@

# Installed only when missing, so machines without root still work if it is there.
# After system-deps: `make demo` runs its steps in parallel, and apt takes one at a time.
mcp-chromium: system-deps
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; \
	}

TEST_DEPS += mcp-test-servers

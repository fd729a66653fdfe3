# Emacs 30 (eglot built in) from Debian's bookworm-backports, and lsp-mode (Debian's
# elpa-lsp-mode), for the real-editor tests in tests/editors. Order matters: lsp-mode
# first, then the backported Emacs, or apt pulls Emacs 28 back in. The backports suite
# is added to the machine's own Debian source (its mirror, whatever it is).
# Installed only when missing, so a second run does not touch apt.

EMACS ?= emacs
export EMACS

.PHONY: emacs30

emacs30:
	@if ! ($(EMACS) --version 2>/dev/null | grep -q '^GNU Emacs 30' && dpkg -s elpa-lsp-mode >/dev/null 2>&1); then \
		echo "Installing Emacs 30 (bookworm-backports) and lsp-mode"; \
		if [ -f /etc/apt/sources.list.d/debian.sources ]; then \
			grep -qs bookworm-backports /etc/apt/sources.list.d/debian.sources || \
			sed -i 's/^Suites: bookworm bookworm-updates$$/& bookworm-backports/' /etc/apt/sources.list.d/debian.sources; \
		elif ! grep -qrs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d; then \
			sed -n 's/^deb \([^ ]*\) bookworm main.*/deb \1 bookworm-backports main/p' /etc/apt/sources.list \
				> /etc/apt/sources.list.d/bookworm-backports.list; \
		fi; \
		(apt-get update -qq && \
		 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq elpa-lsp-mode && \
		 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports emacs-nox dh-elpa-helper) >/dev/null; \
	fi

TEST_DEPS += emacs30

# The security tests (tests/security) run shells inside bubblewrap, the optional
# `run_shell` sandbox: Debian's package, installed only when missing.
.PHONY: security-bwrap
security-bwrap:
	@command -v bwrap >/dev/null 2>&1 || { \
		echo "Installing Debian's bubblewrap"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap) >/dev/null; \
	}

TEST_DEPS += security-bwrap

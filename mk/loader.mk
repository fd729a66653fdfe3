# The loader's and the CLI's tests run `orchestra` as a root held to mode bits (an
# unreadable folder, a read-only journal folder) through util-linux's setpriv.
.PHONY: loader-setpriv
loader-setpriv:
	@command -v setpriv >/dev/null 2>&1 || { \
		echo "Installing Debian's util-linux (setpriv)"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq util-linux) >/dev/null; \
	}

TEST_DEPS += loader-setpriv

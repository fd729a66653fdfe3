# The permission tests (tests/permissions/test_tool_forms.py) check the shell policy
# against the real tools: Debian's sqlite3, jq, mawk, less and vim, installed only when missing.
.PHONY: policy-tools
policy-tools:
	@missing=""; \
	for tool in sqlite3 jq mawk less vim; do command -v $$tool >/dev/null 2>&1 || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian's$$missing"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null; \
	fi

TEST_DEPS += policy-tools

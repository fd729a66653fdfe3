# The ACP tests' client on the official TypeScript SDK (issue 16): tests/acp/ts, pinned
# by its package-lock.json and installed with `npm ci`; the stamp makes a second run free.

ACP_TS_DIR := tests/acp/ts
ACP_TS_STAMP := $(ACP_TS_DIR)/node_modules/.orchestra-installed

$(ACP_TS_STAMP): $(ACP_TS_DIR)/package.json $(ACP_TS_DIR)/package-lock.json
	cd $(ACP_TS_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

TEST_DEPS += $(ACP_TS_STAMP)

# The VS Code extension (editors/vscode) and its end-to-end test (tests/vscode):
# npm ci, type-check, unit tests, esbuild bundle and .vsix for the extension; Debian's
# chromium and code-server's build packages; code-server 4.100.3 and playwright-core
# from npm into tests/vscode/node (never a browser download). Each step leaves a stamp
# or a file newer than its inputs, so a second `make` costs nothing.

VSCODE_EXT := editors/vscode
VSCODE_E2E_NODE := tests/vscode/node
VSCODE_EXT_SOURCES := $(wildcard $(VSCODE_EXT)/src/*.ts $(VSCODE_EXT)/src/generated/*.ts)
VSCODE_EXT_TESTS := $(wildcard $(VSCODE_EXT)/test/*.ts)

VSCODE_EXT_NPM := $(VSCODE_EXT)/node_modules/.orchestra-installed
VSCODE_EXT_CHECKED := $(VSCODE_EXT)/out/.checked
VSCODE_EXT_BUNDLE := $(VSCODE_EXT)/dist/extension.js
VSCODE_VSIX := $(VSCODE_EXT)/orchestra.vsix
VSCODE_CODE_SERVER := $(VSCODE_E2E_NODE)/node_modules/.orchestra-installed
VSCODE_DEBS := chromium ripgrep build-essential libkrb5-dev libxkbfile-dev libsecret-1-dev

.PHONY: vscode-extension vscode-e2e-deps vscode-debs vscode-code-server

vscode-extension: $(VSCODE_VSIX)

vscode-e2e-deps: vscode-extension vscode-code-server

# Installed only when missing (dpkg knows), so a second run does not touch apt.
vscode-debs:
	@missing=""; for p in $(VSCODE_DEBS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null; \
	fi

# --ignore-scripts: nothing here needs one (esbuild's binary is an optional dependency;
# keytar and vsce-sign are for publishing, not packaging).
$(VSCODE_EXT_NPM): $(VSCODE_EXT)/package.json $(VSCODE_EXT)/package-lock.json
	cd $(VSCODE_EXT) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

$(VSCODE_EXT_CHECKED): $(VSCODE_EXT_NPM) $(VSCODE_EXT_SOURCES) $(VSCODE_EXT_TESTS) $(VSCODE_EXT)/tsconfig.json
	cd $(VSCODE_EXT) && npx --no-install tsc --noEmit -p .
	cd $(VSCODE_EXT) && npm run --silent test
	touch $@

$(VSCODE_EXT_BUNDLE): $(VSCODE_EXT_CHECKED)
	cd $(VSCODE_EXT) && npm run --silent bundle

$(VSCODE_VSIX): $(VSCODE_EXT_BUNDLE) $(VSCODE_EXT)/package.json $(VSCODE_EXT)/README.md $(VSCODE_EXT)/images/review.png $(VSCODE_EXT)/LICENSE.txt $(VSCODE_EXT)/.vscodeignore
	cd $(VSCODE_EXT) && npx --no-install vsce package --no-dependencies --allow-missing-repository --no-rewrite-relative-links --out orchestra.vsix

# code-server's @vscode/ripgrep downloads rg from GitHub in its postinstall: seed its
# cache with Debian's rg first. Native modules build against the local Node headers.
$(VSCODE_CODE_SERVER): $(VSCODE_E2E_NODE)/package.json $(VSCODE_E2E_NODE)/package-lock.json | vscode-debs
	@cache="$$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-1.15.11"; \
	mkdir -p "$$cache" && tar czf "$$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C /usr/bin rg
	cd $(VSCODE_E2E_NODE) && npm_config_unsafe_perm=true npm_config_yes=true \
		npm ci --no-audit --no-fund --loglevel=error --foreground-scripts >npm-install.log 2>&1 \
		|| { tail -40 npm-install.log; exit 1; }
	$(VSCODE_E2E_NODE)/node_modules/.bin/code-server --version >/dev/null
	touch $@

vscode-code-server: vscode-debs $(VSCODE_CODE_SERVER)

TEST_DEPS += vscode-e2e-deps

# Parley: `make demo` and `make test` are the whole set-up on a fresh machine.
SHELL := /bin/bash
APT_PACKAGES := libcurl4-openssl-dev libsqlite3-dev libgmime-3.0-dev libxml2-dev pkg-config \
                dovecot-imapd python3-aiosmtpd openssl chromium fonts-wqy-zenhei \
                cyrus-common cyrus-admin courier-base courier-authdaemon courier-authlib-userdb sasl2-bin \
                postfix postfix-pcre mutt neomutt alpine aerc tmux python3-venv
SWIFT_BUILD_FLAGS ?=
TEST_SERVERS_DIR := $(CURDIR)/.build-servers

.PHONY: deps build demo test bench clean

# Installs the Debian packages that are missing (needs root, as on this machine).
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	swift build $(SWIFT_BUILD_FLAGS)

demo: build
	bash scripts/demo.sh

# Starts Dovecot and the SMTP sink on free loopback ports, runs every test, stops them.
# The IMAP matrix (scripts/imapmatrix.sh) and Postfix (scripts/postfix.sh) are started by
# the tests that need them; the fuzz target is built and run briefly so that it cannot rot.
test: deps
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	scripts/fuzz.sh --smoke 20
	python3 scripts/faultproxy_selftest.py
	@rm -rf $(TEST_SERVERS_DIR); mkdir -p $(TEST_SERVERS_DIR); chmod 755 $(TEST_SERVERS_DIR)
	@scripts/testservers.sh start $(TEST_SERVERS_DIR)/run
	@status=0; PARLEY_TEST_SERVERS=$(TEST_SERVERS_DIR)/run swift test --skip-build $(SWIFT_BUILD_FLAGS) || status=$$?; \
	  scripts/testservers.sh stop $(TEST_SERVERS_DIR)/run; exit $$status

bench: deps
	swift build -c release
	bash scripts/bench.sh

clean:
	rm -rf .build .build-*

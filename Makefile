# ticketd's commands. "make test" is the one a newcomer runs on a fresh Debian
# machine, and what CI runs: it installs the mail servers the end-to-end tests
# start, then vets and tests everything.

GO       ?= go
FUZZTIME ?= 30s
MAILPIT  := github.com/axllent/mailpit@v1.27.11

# Installing packages needs root; use sudo when we are not.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT  := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get

.PHONY: test deps demo fuzz bench bench-console bench-mail bench-fleet vuln

## test: install what is missing, then vet and run every test, end-to-end ones included
# triage and its matcher (triage/internal/...) are pure code that runs in one
# goroutine; the exhaustive checks of the rule filters take seconds, but minutes
# under the race detector, so they run without it. The daemon's tests run the
# rules on several goroutines under -race.
test: deps
	TICKETD_E2E=1 $(GO) vet ./...
	TICKETD_E2E=1 $(GO) test -race -count=1 -timeout 45m $$($(GO) list ./... | grep -v -e '/triage$$' -e '/triage/')
	TICKETD_E2E=1 $(GO) test -count=1 -timeout 10m ./triage/...
	TICKETD_E2E=1 TICKETD_TEST_POSTGRES=1 $(GO) test -race -count=1 -timeout 20m ./store/...

## deps: install Dovecot (IMAP and submission), Mailpit, Chromium, PostgreSQL, sqlite3 and a C compiler (for -race) if they are missing
deps:
	@if [ ! -x /usr/sbin/dovecot ] && ! command -v dovecot >/dev/null 2>&1; then \
		echo "installing dovecot-imapd"; \
		$(APT) update && $(APT) install -y --no-install-recommends dovecot-imapd && \
		{ $(SUDO) service dovecot stop >/dev/null 2>&1 || true; }; \
	fi
	@if [ ! -x /usr/lib/dovecot/submission ]; then \
		echo "installing dovecot-submissiond (the OAuth2 SMTP tests send through Dovecot's submission service)"; \
		$(APT) update && $(APT) install -y --no-install-recommends dovecot-submissiond && \
		{ $(SUDO) service dovecot stop >/dev/null 2>&1 || true; }; \
	fi
	@if [ ! -x /usr/bin/chromium ] && ! command -v chromium >/dev/null 2>&1; then \
		echo "installing chromium and fonts with Cyrillic (the console's browser tests)"; \
		$(APT) update && $(APT) install -y --no-install-recommends chromium fonts-dejavu-core fonts-liberation; \
	fi
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "installing postgresql (the store's tests run on it too; they start their own cluster)"; \
		$(APT) update && $(APT) install -y --no-install-recommends postgresql && \
		{ $(SUDO) service postgresql stop >/dev/null 2>&1 || true; }; \
	fi
	@if ! command -v sqlite3 >/dev/null 2>&1; then \
		echo "installing sqlite3 (the tamper tests edit the database with it)"; \
		$(APT) update && $(APT) install -y --no-install-recommends sqlite3; \
	fi
	@if ! command -v gcc >/dev/null 2>&1; then \
		echo "installing gcc (go test -race needs cgo)"; \
		$(APT) update && $(APT) install -y --no-install-recommends gcc libc6-dev; \
	fi
	@gobin="$$($(GO) env GOBIN)"; gopath="$$($(GO) env GOPATH | cut -d: -f1)"; \
	if ! command -v mailpit >/dev/null 2>&1 \
		&& ! { [ -n "$$gobin" ] && [ -x "$$gobin/mailpit" ]; } \
		&& [ ! -x "$$gopath/bin/mailpit" ] && [ ! -x "$$HOME/go/bin/mailpit" ]; then \
		echo "installing $(MAILPIT)"; \
		$(GO) install $(MAILPIT); \
	fi

## demo: run ticketd's demo
demo:
	$(GO) run ./cmd/ticketd demo

## fuzz: run every fuzz target in the module for FUZZTIME each (default 30s)
fuzz:
	@set -e; found=; \
	for file in $$(grep -rl --include='*_test.go' --exclude-dir=.git --exclude-dir=testdata '^func Fuzz' . | sort); do \
		dir=$$(dirname "$$file"); \
		for name in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$$file"); do \
			found=1; \
			echo "== $$dir $$name ($(FUZZTIME))"; \
			$(GO) test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) "$$dir"; \
		done; \
	done; \
	[ -n "$$found" ] || echo "no fuzz targets"

## bench: run every benchmark once, with allocations; the first run builds the
## million-ticket store the console's benchmarks read (about 10 min, 6.5 GB in
## ~/.cache/ticketd, or $$TICKETD_BENCH_DB), later runs reuse it
bench:
	TICKETD_BENCH_1M=1 $(GO) test -run='^$$' -bench=. -benchmem -timeout 2h ./...

## bench-console: only the benchmarks of a million tickets (queue pages, filters, search)
bench-console:
	TICKETD_BENCH_1M=1 $(GO) test -run='^$$' -bench='1M' -benchtime=3s -timeout 2h ./store/

## bench-mail: ticketd against a real Dovecot and Mailpit; figures to bench/results/latest.json (about 12 min)
bench-mail: deps
	$(GO) run ./bench -big -scale -out bench/results/latest.json

## bench-fleet: SQLite and PostgreSQL side by side, then 1, 2 and 3 daemons on three mailboxes; figures to bench/results/pg-fleet.json (about 10 min)
bench-fleet: deps
	$(GO) run ./bench -n 1000 -latency 100 -memory=false -backends sqlite,postgres -fleet -fleet-n 1000 -fleet-backends postgres,sqlite -out bench/results/pg-fleet.json

## vuln: check dependencies for known vulnerabilities
vuln:
	$(GO) run golang.org/x/vuln/cmd/govulncheck@v1.9.0 ./...

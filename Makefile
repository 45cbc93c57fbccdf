# CMP developer entry points. `make help` lists them.
#
# Tools are built from source through the Go module proxy into ./bin (gitignored),
# once: each is a real file target, so `make clean` (or deleting the file) is how
# to rebuild one after bumping its version below.

TEMPORAL_CLI_VERSION  := v1.5.1
STRIPE_MOCK_VERSION   := v0.203.0
WORKFLOWCHECK_VERSION := v0.6.0

BIN      := $(CURDIR)/bin
GO       ?= go
CHROMIUM := /usr/bin/chromium
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

TOOLS := bin/temporal bin/stripe-mock bin/workflowcheck

.DEFAULT_GOAL := help
.PHONY: help tools run build migrate test bench clean chromium

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

tools: $(TOOLS) ## Build the Temporal CLI, stripe-mock and workflowcheck into ./bin

bin/temporal:
	GOBIN=$(BIN) $(GO) install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_CLI_VERSION)

bin/stripe-mock:
	GOBIN=$(BIN) $(GO) install github.com/stripe/stripe-mock@$(STRIPE_MOCK_VERSION)

bin/workflowcheck:
	GOBIN=$(BIN) $(GO) install go.temporal.io/sdk/contrib/tools/workflowcheck@$(WORKFLOWCHECK_VERSION)

build: ## Build the cmpd binary into bin/cmpd
	$(GO) build -o bin/cmpd ./cmd/cmpd

run: tools build ## Run everything locally: Temporal dev server, API, worker, Site-Kit (cmpd dev)
	bin/cmpd dev

migrate: ## Apply database migrations (cmpd migrate)
	$(GO) run ./cmd/cmpd migrate

test: tools chromium ## Vet, check workflow determinism, run all tests
	$(GO) vet ./...
	bin/workflowcheck ./workflows/...
	$(GO) test -p 2 -count=1 -timeout 20m ./...

bench: tools ## Run the load benchmark (cmd/cmpbench; flags via BENCH_FLAGS=...)
	$(GO) run ./cmd/cmpbench $(BENCH_FLAGS)

clean: ## Remove built tools and binaries (bin/) and local state (data/)
	rm -rf bin data

# The widget's browser test drives Debian's Chromium; install it only when missing.
chromium: $(CHROMIUM)

$(CHROMIUM):
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium

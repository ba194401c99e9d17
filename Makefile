# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HTMX_VERSION := 4.0.1
DEMO_BIND ?= 127.0.0.1:8000
DEMO_SHOP_BIND ?= 127.0.0.1:8026
export MLN_BIND ?= $(DEMO_BIND)

.PHONY: demo test lint format bench vendor lock chromium clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.test: pyproject.toml constraints.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,dev]'
	touch $@

$(VENV)/.demo: pyproject.toml constraints.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet -c constraints.txt -e '.[demo]'
	touch $@

# The demo plays a carrier journey in a few minutes, so the worker checks every few seconds.
demo: export MLN_SANDBOX_PORT ?= 8025
demo: export MLN_SANDBOX_URL ?= http://127.0.0.1:$(MLN_SANDBOX_PORT)
demo: export MLN_SANDBOX_SPEED ?= 1000
demo: export MLN_POLL_SECONDS__ORDERED ?= 5
demo: export MLN_POLL_SECONDS__SHIPPED ?= 5
demo: export MLN_POLL_SECONDS__IN_TRANSIT ?= 5
demo: export MLN_POLL_SECONDS__OUT_FOR_DELIVERY ?= 2
demo: export MLN_BACKOFF_BASE_SECONDS ?= 2
demo: export MLN_STALLED_AFTER_SECONDS ?= 240
# The sample shop is another origin, so the service must let it frame the widget.
demo: export MLN_DEMO_SHOP_BIND ?= $(DEMO_SHOP_BIND)
demo: export MLN_DEMO_SERVICE_URL ?= http://$(DEMO_BIND)
demo: export MLN_EMBED_ORIGINS ?= ["http://$(DEMO_SHOP_BIND)"]
# E-mails link back to the demo; with no MLN_MAIL_URL they are .eml files in instance/mail/.
demo: export MLN_PUBLIC_URL ?= http://$(DEMO_BIND)
demo: export MLN_SUPPORT_EMAIL ?= help@lumen-leaf.example
demo: $(VENV)/.demo
	$(FLASK) upgrade
	$(FLASK) demo seed --base-url http://$(DEMO_BIND) --shop-url http://$(DEMO_SHOP_BIND)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start --procfile Procfile

test: $(VENV)/.test chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.test chromium
	@command -v wrk >/dev/null 2>&1 || \
		{ echo "Installing Debian's wrk package"; \
		  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python -m bench.machine
	$(BIN)/python -m bench.page_weight
	$(BIN)/python -m bench.render
	$(BIN)/python -m bench.throughput
	$(BIN)/python -m bench.lookup_timing
	$(BIN)/python -m bench.push_latency
	$(BIN)/python -m bench.fanout
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.widget_weight
	$(BIN)/python -m bench.order_loader
	$(BIN)/python -m bench.admin_search
	$(BIN)/python -m bench.detect

# Chromium for the browser tests: the system's, else Debian's package.
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
		{ echo "Installing Debian's chromium package"; \
		  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Refresh the vendored htmx 4 and its WebSocket extension from the npm registry.
vendor:
	rm -rf .vendor-tmp && mkdir .vendor-tmp
	cd .vendor-tmp && npm pack --silent htmx.org@$(HTMX_VERSION) && tar xzf htmx.org-$(HTMX_VERSION).tgz
	rm -f static/vendor/htmx-*.min.js static/vendor/hx-ws-*.min.js
	cp .vendor-tmp/package/dist/htmx.min.js static/vendor/htmx-$(HTMX_VERSION).min.js
	cp .vendor-tmp/package/dist/ext/hx-ws.min.js static/vendor/hx-ws-$(HTMX_VERSION).min.js
	cp .vendor-tmp/package/LICENSE static/vendor/htmx-LICENSE.txt
	rm -rf .vendor-tmp

# Re-pin every dependency after changing pyproject.toml.
lock: $(VENV)/.test
	$(BIN)/pip-compile --quiet --all-extras --strip-extras --no-header \
		--no-emit-index-url --no-emit-find-links \
		--output-file constraints.txt pyproject.toml

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache test-results

# gridgov — the two commands a newcomer needs are `make demo` and `make test`.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/gridgov

.PHONY: demo test install fonts browser test-sqlite test-postgres bench bench-intake bench-queue bench-tracks bench-dashboard bench-map lock clean

## make demo: install everything, build the demo district and serve it on http://127.0.0.1:8000
demo: install fonts
	$(BIN)/gridgov migrate --noinput
	$(BIN)/gridgov demo
	$(BIN)/gridgov serve

## make test: install what the tests need and run them on SQLite and, when one answers, on
## PostgreSQL — the two runs side by side (one core each), every line marked with its database
test: install browser
	@if [ -n "$$DATABASE_URL" ] || $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
		echo "== Tests on SQLite and on PostgreSQL ($${DATABASE_URL:-$(PG_URL)}), side by side =="; \
		( $(MAKE) --no-print-directory test-sqlite 2>&1; echo $$? > $(VENV)/.sqlite.rc ) | sed -u 's/^/[SQLite] /' & \
		( $(MAKE) --no-print-directory test-postgres 2>&1; echo $$? > $(VENV)/.postgres.rc ) | sed -u 's/^/[PostgreSQL] /'; \
		wait; sqlite=$$(cat $(VENV)/.sqlite.rc); postgres=$$(cat $(VENV)/.postgres.rc); \
		echo "== SQLite: $$( [ "$$sqlite" = 0 ] && echo passed || echo FAILED ), PostgreSQL: $$( [ "$$postgres" = 0 ] && echo passed || echo FAILED ) =="; \
		[ "$$sqlite" = 0 ] && [ "$$postgres" = 0 ]; \
	else \
		$(MAKE) --no-print-directory test-sqlite; \
		echo "== PostgreSQL: no server answers (DATABASE_URL unset, nothing on 127.0.0.1:5432) — PostgreSQL run SKIPPED =="; \
	fi

test-sqlite: install
	@echo "== Tests on SQLite =="
	env -u DATABASE_URL $(BIN)/pytest -q

test-postgres: install
	@echo "== Tests on PostgreSQL ($${DATABASE_URL:-$(PG_URL)}) =="
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(BIN)/pytest -q

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

## Chinese fonts from Debian: Noto CJK for the browser, WenQuanYi Zen Hei embedded in PDFs
fonts:
	@if ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || [ ! -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq fonts-noto-cjk fonts-wqy-zenhei >/dev/null; \
	fi

## Debian's Chromium, for the browser tests
browser: fonts
	@if ! command -v chromium >/dev/null 2>&1; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

bench: install
	$(BIN)/python bench/locator.py

## The closed loop on PostgreSQL (127.0.0.1:5432, or BENCH_PG=postgres://user@host:port), each in
## a database of its own that it drops at the end: event intake over HTTP against pgbench, and a
## town operator's queues over 5 million events. See bench/README.md.
bench-intake: install
	$(BIN)/python bench/intake.py

bench-queue: install
	$(BIN)/python bench/queues.py

## GPS track ingest on PostgreSQL: batches of 100 points from 32 phones, and the bytes an
## 8-hour patrol takes. See bench/README.md.
bench-tracks: install
	$(BIN)/python bench/tracks.py

## The district dashboard over the same 5 million events (bench/queues.py builds them; --reuse
## takes a kept database), against a naive GROUP BY over the events table.
bench-dashboard: install
	$(BIN)/python bench/dashboard.py

## The command map's event layer for a town-sized and a district-sized view over the same
## 5 million events, against the naive query (every open event in view as a point).
bench-map: install
	$(BIN)/python bench/map.py

## Refresh the constraints file after changing dependencies in pyproject.toml
lock:
	$(BIN)/pip freeze --exclude-editable | grep -v '^gridgov' > requirements.lock

clean:
	rm -rf $(VENV) node_modules staticfiles

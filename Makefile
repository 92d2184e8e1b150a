# The two commands the README gives: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export FLASK_APP := marketplace:create_app

.PHONY: install web web-types run test lint bench load fuzz clean translations

$(BIN)/flask: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/flask

# The web app (web/), built into web/dist for Flask to serve at /: only when the build is missing or
# older than its sources or lock file; without Node.js and npm, a notice, and the API is served alone.
WEB_SOURCES := web/src web/index.html web/vite.config.ts web/package.json web/package-lock.json
web:
	@if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then \
	  echo "NOTICE: Node.js and npm are not installed: the web app is not built; / says how to build it, the API is served."; \
	elif [ ! -f web/dist/index.html ] || [ -n "$$(find $(WEB_SOURCES) -newer web/dist/index.html 2>/dev/null | head -1)" ]; then \
	  (cd web && npm ci --no-audit --no-fund && npm run build); \
	fi

# After changing the API: web/src/api/schema.d.ts, the web app's types of every schema and path,
# generated from the OpenAPI document the app serves (tests/web/test_units.py fails while stale).
web-types: export MARKETPLACE_ENV := development
web-types: install
	$(BIN)/flask openapi write web/openapi.json
	cd web && npx openapi-typescript openapi.json -o src/api/schema.d.ts && rm openapi.json

# The embedded default: SQLite under instance/, tasks and their schedule in-process, demo data, the
# web app. Development is asked for by name: without MARKETPLACE_ENV the app runs as production.
run: export MARKETPLACE_ENV := development
run: export MARKETPLACE_SCHEDULE_IN_PROCESS := 1
run: install web
	$(BIN)/flask db upgrade
	$(BIN)/flask seed demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# On PostgreSQL and Redis when DATABASE_URL / REDIS_URL point at them,
# on SQLite otherwise; the summary lists what could not run. The browser tests (tests/web) use the
# web build, and run web/'s Vitest tests.
# Schemathesis gives each operation's test one node id, so pytest-xdist would run one of them:
# tests/contract runs after the rest in one process (-n 0), every operation, unless PYTEST_ARGS
# picks what to run.
test: install web
	$(BIN)/pytest -n $${PYTEST_WORKERS:-2} --ignore=tests/contract $(PYTEST_ARGS)
	@if [ -z "$(PYTEST_ARGS)" ]; then $(BIN)/pytest -n 0 tests/contract; fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/regions.py
	$(BIN)/python bench/health.py
	$(BIN)/python bench/catalog.py
	$(BIN)/python bench/orders.py
	$(BIN)/python bench/webhooks.py
	$(BIN)/python bench/procurement.py
	$(BIN)/python bench/tallies.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/scale_out.py

# The long form of tests/test_load.py: the mix at 40 actions/s for two minutes, then the books.
load: install
	$(BIN)/python bench/load.py
	$(BIN)/python bench/scale_out.py

# The long form of tests/contract: schemathesis with many examples per operation and role.
fuzz: install
	SCHEMATHESIS_EXAMPLES=$${SCHEMATHESIS_EXAMPLES:-200} $(BIN)/pytest -n 0 tests/contract

# After marking or changing messages: re-extracts them into both catalogs (new ones untranslated,
# gone ones dropped), then compiles. Translate what is new in the zh-CN catalog, marketplace/
# translations/zh_Hans_CN (tests/test_i18n.py names what is left), and run it again to compile.
CATALOGS := marketplace/translations
translations: install
	$(BIN)/pybabel -q extract -F babel.cfg -k N_ --no-location --sort-output --omit-header -o $(CATALOGS)/messages.pot .
	$(BIN)/pybabel -q update -i $(CATALOGS)/messages.pot -d $(CATALOGS) --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date
	$(BIN)/pybabel -q compile -d $(CATALOGS)
	rm $(CATALOGS)/messages.pot

clean:
	rm -rf $(VENV) instance/*.db instance/*.db-wal instance/*.db-shm instance/schedule* .pytest_cache web/dist web/node_modules

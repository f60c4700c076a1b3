# Two commands: `make serve` and `make test`. Everything else is set up on the way.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEV_ENV := MESOTRACE_ENV=development

.PHONY: serve dev test bench bench-load lint clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt constraints.txt $(VENV)/.runtime node_modules/axe-core/axe.min.js
	$(BIN)/pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@

# Compiled message catalogues (French), built from the committed .po files; never committed.
MESSAGES_OPTIONS := -l fr --add-location=file --no-obsolete --ignore=.venv --ignore=node_modules --ignore=tests --ignore=bench --ignore=artifacts --ignore=var
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard mesotrace/locale/*/LC_MESSAGES/django.po))
mesotrace/locale/%/LC_MESSAGES/django.mo: mesotrace/locale/%/LC_MESSAGES/django.po $(VENV)/.runtime
	$(BIN)/pybabel compile --statistics -i $< -o $@ -l $*

# After adding or changing a string: extract every marked string into the French catalogue
# (new ones arrive untranslated; the completeness test fails until they are translated).
messages: $(VENV)/.runtime
	$(BIN)/python manage.py makemessages $(MESSAGES_OPTIONS)

# axe-core, which the browser tests inject into every page they visit (node 20 and npm).
node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# As production runs: gunicorn, WhiteNoise, DEBUG off (MESOTRACE_ENV=local, plain HTTP).
serve: $(VENV)/.runtime $(CATALOGUES)
	PORT=$(PORT) $(BIN)/python scripts/serve.py

# The auto-reloading development server, with DEBUG on, and the task worker beside it.
dev: $(VENV)/.runtime $(CATALOGUES)
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py demo_data --if-empty
	@echo "Mesotrace (development) on http://127.0.0.1:$(PORT)/; e-mail goes to artifacts/mail/"
	$(DEV_ENV) PORT=$(PORT) $(BIN)/python scripts/dev.py

test: $(VENV)/.dev $(CATALOGUES)
	$(BIN)/python scripts/run_tests.py

bench: $(VENV)/.dev
	$(BIN)/python -m bench.run

# The clinic's mixed load with wrk against `make serve`'s server, on SQLite and PostgreSQL.
bench-load: $(VENV)/.dev
	$(BIN)/python -m bench.load

clean:
	rm -rf $(VENV) artifacts node_modules

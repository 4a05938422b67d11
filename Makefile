# Doorstep: the one front door. `make run` serves the demo; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
DEMO_PASSWORD ?= doorstep-demo
DEMO_HOUSEHOLDS ?= 600
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2

.PHONY: run test install install-dev translations extract-messages js bench bench-scale clean screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the requirement files change.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev translations

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d translations 2>&1 | grep -v "^compiling" || true

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location \
	    --project Doorstep --copyright-holder Doorstep -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete --width 0

# The scripts pages load are committed minified (static/js/*.min.js), like the vendored htmx, so a
# fresh machine needs no build step. After editing static/js/<name>.js, run `make js` (it fetches the
# pinned terser from the npm registry); tests/speed/test_served.py fails while a .min.js is stale.
TERSER ?= npx --yes terser@5.37.0
PAGE_SCRIPTS := app offline scan
# One file for every page (the outbox, the offline switch, the scanner): the walk page, which needs all
# three, loads htmx and this alone, within 20,000 bytes as served (three files cost about 500 bytes more).
# unsafe_arrows turns `function () {}` into `() => {}` (Chrome 45; the scripts need Chrome 54 anyway): safe
# here because no function of ours uses `this`, `arguments` or `new` on an anonymous function (~40 bytes).
js:
	$(TERSER) $(PAGE_SCRIPTS:%=static/js/%.js) --compress passes=2,unsafe_arrows=true --mangle --ecma 2017 > static/js/app.min.js.tmp
	mv static/js/app.min.js.tmp static/js/app.min.js
	@cd static/js && for name in $(PAGE_SCRIPTS); do \
	  echo "$$name.js sha256 $$(sha256sum $$name.js | cut -c1-16)"; done > min-sources.txt
	@echo "static/js/app.min.js from $(PAGE_SCRIPTS:%=%.js)"

run: install
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty --households $(DEMO_HOUSEHOLDS) --password $(DEMO_PASSWORD)
	HOST=$(HOST) PORT=$(PORT) WORKERS=$(WORKERS) $(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# All the benches (minutes; none of them runs in `make test`), then bench/RESULTS.md.
# BENCH_SCALE_HOUSEHOLDS="3000 30000 300000" adds the full-size district (run it rarely).
BENCH_SCALE_HOUSEHOLDS ?= 3000 30000
bench: install-dev
	$(BIN)/python bench/knock.py
	$(BIN)/python bench/phone.py
	$(BIN)/python bench/scale.py --households $(BENCH_SCALE_HOUSEHOLDS)
	$(BIN)/python bench/import.py
	$(BIN)/python bench/report.py

clean:
	rm -rf $(VENV) translations/*/LC_MESSAGES/*.mo .pytest_cache

# Refresh the README's screenshots (needs Debian's fonts-noto-cjk to render Chinese).
screenshots: install-dev
	DOORSTEP_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/browser

# The district benchmark alone, full size, both databases (builds 300,000 households twice).
bench-scale: install-dev
	$(BIN)/python bench/scale.py --households 3000 30000 300000
	$(BIN)/python bench/report.py

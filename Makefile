# Two commands are the whole set-up: `make app` and `make test`.
# Everything installs into the project-local .venv (the package names are generic).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATASET := data/national
SEED := 20261
PORT ?= 8501
# The browser test drives Debian's Chromium (Playwright never downloads a browser here);
# fonts-noto-cjk renders the Chinese place names on the pages.
CHROMIUM := /usr/bin/chromium
BROWSER_PACKAGES := chromium fonts-noto-cjk
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: app test data install lint browser clean-data

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "PharmaOps needs Python >= 3.11; run e.g. 'make PYTHON=python3.11 app'"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The default data set is generated deterministically (same seed, same data) on first use.
$(DATASET)/dataset.json: $(STAMP) $(wildcard data/generate/*.py) data/calendar.py \
  data/geo/china_districts.csv
	$(BIN)/pharmaops data generate --profile national --seed $(SEED) --out $(DATASET)

data: $(DATASET)/dataset.json

app: data
	$(BIN)/streamlit run app.py --server.address localhost --server.port $(PORT) \
	  --server.headless true --browser.gatherUsageStats false

# Installed only when missing: a no-op once /usr/bin/chromium is there.
$(CHROMIUM):
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	  $(BROWSER_PACKAGES)

browser: $(CHROMIUM)

# Lint, then every test, the browser test (tests/test_browser.py) included: docs/testing.md.
test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

lint: $(STAMP)
	$(BIN)/ruff check .

clean-data:
	rm -rf $(DATASET)

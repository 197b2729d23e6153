# Two commands are the whole set-up: `make app` and `make test`.
# Everything installs into the project-local .venv (the package names are generic).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATASET := data/national
SEED := 20261
PORT ?= 8501

.PHONY: app test data install lint clean-data

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
$(DATASET)/dataset.json: $(STAMP) data/generate.py data/calendar.py data/geo/china_districts.csv
	$(BIN)/pharmaops data generate --profile national --seed $(SEED) --out $(DATASET)

data: $(DATASET)/dataset.json

app: data
	$(BIN)/streamlit run app.py --server.address localhost --server.port $(PORT) \
	  --server.headless true --browser.gatherUsageStats false

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

lint: $(STAMP)
	$(BIN)/ruff check .

clean-data:
	rm -rf $(DATASET)

# PowerDesk — the two commands are `make run` and `make test`; the rest are their parts.
SHELL := /bin/bash
APP_PY := .venv/bin/python
RASA_PY := .venv-rasa/bin/python
PY311 ?= $(shell command -v python3.11 || command -v python3)

.PHONY: run run-cluster test setup model kg db eval-nlu eval-kg eval-dialogues eval-forecast bench system lock clean audit-facts

# The model, the knowledge graph and the database are independent: built side by side.
run: setup
	@$(MAKE) --no-print-directory -j3 model kg db
	$(APP_PY) -m scripts.stack

# Two gateways, two Rasa servers and two action servers over a throw-away PostgreSQL
# (services' database, Rasa's tracker store) and Redis (Rasa's lock store): scripts/cluster.py.
run-cluster: setup
	@$(MAKE) --no-print-directory -j3 model kg system
	$(APP_PY) -m scripts.cluster

# The whole suite, then the billing and dialogue tests again with the one clock moved a
# year ahead and to the last day of the month: the suite must pass on any date.
CLOCK_TESTS := tests/service/test_billing_api.py tests/service/test_billing_payments.py \
	tests/service/test_billing_seed.py tests/service/test_billing_identity.py \
	tests/service/test_actions.py tests/conversation/test_dialogue.py \
	tests/conversation/test_account_questions.py tests/conversation/test_money_safety.py

test: setup
	@$(MAKE) --no-print-directory -j3 model kg system
	$(APP_PY) -m pytest
	$(APP_PY) -m pytest --clock=year-ahead $(CLOCK_TESTS)
	$(APP_PY) -m pytest --clock=month-end $(CLOCK_TESTS)

# Both virtualenvs, in parallel, from the pinned lock files; redone only when a lock changes.
setup:
	@$(MAKE) --no-print-directory -j2 .venv/.installed .venv-rasa/.installed

.venv/.installed: requirements/app.lock
	$(PY311) -m venv .venv
	.venv/bin/pip install -q -r requirements/app.lock
	touch $@

.venv-rasa/.installed: requirements/rasa.lock
	"$$(scripts/find_python310.sh)" -m venv .venv-rasa
	.venv-rasa/bin/pip install -q -r requirements/rasa.lock
	touch $@

# The Rasa model, retrained only when its data, config or NLU components change.
model: setup
	$(APP_PY) scripts/train_model.py

# The knowledge graph, its embedding model and FAISS index, rebuilt only when the corpus changes.
kg: setup
	$(APP_PY) -m knowledge_graph.build

# The services' database: migrated, and seeded once with the demo and generated accounts.
db: setup
	$(APP_PY) -m services.migrate
	$(APP_PY) -m services.billing.seed  # bills up to last month, by the one clock

# Debian's packages the tests and the cluster start (installed when missing, one apt-get
# for all): PostgreSQL, Redis, Chromium (Playwright drives it), espeak-ng (voice WAVs).
system:
	bash scripts/ensure_debian_packages.sh postgres redis chromium espeak

eval-nlu: setup
	PYTHONPATH=$(CURDIR) $(RASA_PY) scripts/eval_nlu.py

eval-kg: setup kg
	$(APP_PY) -m knowledge_graph.evaluate

# Routine customer conversations through a throw-away stack -> reports/dialogues.md
# (a measure, not a test: it exits 0 whatever the automation rate).
eval-dialogues: setup model kg
	$(APP_PY) -m scripts.eval_dialogues

# Rolling-origin backtest of the kWh forecast on the seed's households -> reports/forecast.md
# (a measure, not a test: it exits 0 whether or not the targets are met).
eval-forecast: setup
	$(APP_PY) -m services.forecasting.backtest

# The load generator's phases are selectable: make bench BENCH_FLAGS="--phases turns,nlu --seconds 10"
# (see `.venv/bin/python -m bench.load --help`); about 10 minutes with every phase.
bench: setup model kg system
	$(APP_PY) bench/kg_search.py
	$(APP_PY) -m bench.load $(BENCH_FLAGS)

# Every figure customers read, with its source; unsourced, stale, English or newspaper -> reports/facts.md
audit-facts: setup
	$(APP_PY) -m scripts.audit_facts

# Regenerate the lock files from the .in files (needs network to PyPI).
lock:
	$(APP_PY) -m pip freeze --exclude-editable | grep -v '^-e' > requirements/app.lock
	$(RASA_PY) -m pip freeze --all | grep -v "^pip==" > requirements/rasa.lock  # keeps setuptools 70.3.0

clean:
	rm -rf var/models var/kg var/logs

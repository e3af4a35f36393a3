# annsuite: every command a user needs. `make demo` and `make test` set up
# .venv from requirements.txt first (again whenever it changes).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# word2vec's native training op, compiled against the installed TensorFlow for this machine's CPU
# (kernels/build/negative_sampling-<key>.so; skipped without a C++ compiler). `kernels` always asks:
# it returns at once when this machine's library exists, and builds it on a new machine or TensorFlow.
PORT ?= 6006
APP ?= all

.PHONY: venv kernels demo test test-all fuzz bench tensorboard workers lint clean

venv: $(STAMP)

kernels: $(STAMP)
	$(PY) -m apps.word2vec.native

$(STAMP): requirements.txt requirements-nodeps.txt setup.cfg
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-nodeps.txt
	touch $(STAMP)

demo: $(STAMP) kernels
	$(PY) -m apps demo

# One pytest process per test folder (scripts/test_suite.py says why), totals at the end.
test: $(STAMP) kernels
	$(PY) scripts/test_suite.py -q

# Also the slow end-to-end checks (kill/resume, two workers, determinism for every app listed)
test-all: $(STAMP) kernels
	$(PY) scripts/test_suite.py -q -m "slow or not slow"

# The seeded input fuzzer, >= 200 cases per input format of every app (docs/bad-input.md has the counts)
fuzz: $(STAMP)
	$(PY) -m scripts.fuzz all --cases 200 --doc

bench: $(STAMP) kernels
	$(PY) -m bench $(APP)

tensorboard: $(STAMP)
	$(VENV)/bin/tensorboard --logdir tensorboard_logs --host 127.0.0.1 --port $(PORT)

# Try multi-worker training on this machine: make workers N=2 APP=classifier ARGS="train --run-dir tensorboard_logs/mw"
N ?= 2
WORKER_APP = $(if $(filter all,$(APP)),classifier,$(APP))
ARGS ?= train --run-dir tensorboard_logs/$(WORKER_APP)/workers
workers: $(STAMP)
	$(PY) scripts/local_workers.py $(N) $(WORKER_APP) $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check apps shared tests bench scripts

clean:
	rm -rf $(VENV) .pytest_cache apps/word2vec/kernels/build

# The two commands the README promises: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1

# A Python >= 3.12: the one pyenv selects through .python-version, else the newest on PATH.
PYTHON ?= $(shell for c in python python3 python3.14 python3.13 python3.12; do \
	command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& { command -v $$c; break; }; done)

.PHONY: run reset unlock install install-test test bench lint format migrate seed clean help messages screenshots

help:
	@echo "make run   - set up and serve the demo console on http://$(HOST):$(PORT)"
	@echo "make reset - put the demo world back as seeded, with the same IDs"
	@echo "make unlock - lift login lockouts (USER_NAME=bob for one user's)"
	@echo "make test  - set up and run the whole test suite"
	@echo "make install / make install-test - only create .venv (with the test dependencies)"
	@echo "make bench - measure the scale targets (pages, batches, throughput, bytes) as ratios"
	@echo "make lint  - ruff check and format check"
	@echo "make messages - refresh the zh_Hans catalogue, its template and the compiled .mo (needs gettext)"
	@echo "make screenshots - redraw the README screenshots under static/img/docs/"

$(VENV)/.python-ok:
	@if [ -z "$(PYTHON)" ]; then \
		echo "error: Python 3.12 or newer is required but none was found on PATH (tried python, python3, python3.14, python3.13, python3.12)." >&2; \
		echo "Install Python 3.12+ (for example with pyenv: 'pyenv install 3.12') and run make again." >&2; \
		exit 1; fi
	@if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
		echo "Recreating $(VENV): it was made with a Python older than 3.12."; rm -rf $(VENV); fi
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	@touch $@

$(VENV)/.installed: pyproject.toml | $(VENV)/.python-ok
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet .
	@rm -rf build *.egg-info
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet ".[test]"
	@rm -rf build *.egg-info
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --noinput -v 0

seed: migrate
	$(PY) manage.py seed_demo --if-demo

# Migrates, seeds and collects only what is missing, then serves gunicorn and the task worker
# (restarted whenever it exits); Ctrl-C stops both and exits with status 0.
run: $(VENV)/.installed
	@$(PY) manage.py serve --host $(HOST) --port $(PORT)

reset: migrate
	@$(PY) manage.py seed_demo --reset

# Lift login lockouts (django-axes): all of them, or one user's with USER_NAME=bob.
unlock: migrate
	@if [ -n "$(USER_NAME)" ]; then $(PY) manage.py axes_reset_username "$(USER_NAME)"; \
	else $(PY) manage.py axes_reset; fi

test: $(VENV)/.installed-test
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-test
	$(PY) -m tests.benchmarks.bench_pages

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-test
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Refresh the catalogue after changing user-facing strings; translate the new entries, then
# run it again so the committed .mo and .pot follow. Needs GNU gettext (apt-get install gettext).
messages: $(VENV)/.installed-test
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --add-location=file \
		--ignore=".venv/*" --ignore="var/*" --ignore="tests/*" --ignore="scripts/*"
	$(PY) scripts/write_pot.py
	$(PY) manage.py compilemessages -l zh_Hans --ignore=".venv/*"

screenshots: $(VENV)/.installed-test
	$(PY) scripts/screenshots.py

clean:
	rm -rf $(VENV) var

# The two commands of the README: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test lint install clean postgres

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(PY) demo.py

lint: install
	$(PY) protos/generate.py --check
	$(PY) manage.py strangler contract
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

# Tests need PostgreSQL on 127.0.0.1:5432 (trust auth, user postgres); start it if it is stopped.
postgres:
	@pg_isready -h 127.0.0.1 -p 5432 -q || { \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start && \
	  for i in $$(seq 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done; }

test: lint postgres
	$(PY) -m pytest

clean:
	rm -rf $(VENV) var

# Two commands for a fresh machine:  make run   and   make test
# (see README.md).  Everything else here is what those two need.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
PO     := $(wildcard locale/*/LC_MESSAGES/django.po)
MO     := $(PO:.po=.mo)

.PHONY: run test install messages makemessages migrate seed lint check clean

run: install $(MO) migrate seed
	@HOST=$(HOST) PORT=$(PORT) WAGTAILADMIN_BASE_URL=$${WAGTAILADMIN_BASE_URL:-http://$(HOST):$(PORT)} \
		$(BIN)/python manage.py runplatform --host $(HOST) --port $(PORT)

# Two pytest-xdist workers (these machines have 2 cores; each worker has its
# own test database); tests marked xdist_group run together on one worker.
# TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2

test: install $(MO)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

install: $(STAMP) .env

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

# Compiled translations are build output, not committed (compiled with polib,
# so no system gettext is needed).
%.mo: %.po $(STAMP)
	$(BIN)/python -c "import sys, polib; polib.pofile(sys.argv[1]).save_as_mofile(sys.argv[2])" $< $@

messages: $(MO)

# After changing UI strings: refresh the catalogues, translate the new
# entries in locale/zh_Hans/LC_MESSAGES/django.po, then `make messages`.
makemessages: install
	DJANGO_DEBUG=true $(BIN)/python manage.py makemessages -l zh_Hans -l en --no-obsolete \
		--ignore='tests/*' --ignore='.venv/*' --ignore='var/*' --ignore='staticfiles/*'

# A local .env so that `make run` and manage.py work in a checkout: debug on and
# a random secret key, never committed.  Real environment variables win over it,
# and the test suite ignores it.
.env: | $(STAMP)
	@echo "DJANGO_DEBUG=true" > $@
	@echo "DJANGO_SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" >> $@
	@echo "Wrote $@ (local development settings)."

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: install
	WAGTAILADMIN_BASE_URL=$${WAGTAILADMIN_BASE_URL:-http://$(HOST):$(PORT)} $(BIN)/python manage.py seed_demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/bandit -q --ini .bandit --severity-level high
	$(BIN)/python .ci/pip_audit.py
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf var staticfiles .pytest_cache $(MO)

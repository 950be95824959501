# nianbao: two commands do everything on a fresh machine.
#   make demo   install, crawl the offline demo portals, serve the archive with Datasette
#   make test   install, run every test
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8001
PORTAL_PORT ?= 8701
DB ?= var/demo.db

.PHONY: setup demo test bench clean
setup: $(VENV)/bin/nianbao /usr/bin/chromium

/usr/bin/chromium:
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq >/dev/null 2>&1 || true; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	else sudo apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; fi

$(VENV)/bin/nianbao: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]' 2>&1 | grep -v "is ignored" || true
	test -x $@ && touch $@

demo: setup
	$(PY) -m archive.cli demo --db $(DB) --port $(PORT) --portal-port $(PORTAL_PORT)

test: setup
	$(PY) -m pytest -q

bench: setup
	$(PY) bench/crawl_requests.py

clean:
	rm -rf var test-artifacts .pytest_cache

# nianbao: two commands do everything on a fresh machine.
#   make demo   install, crawl the offline demo portals, serve the archive with Datasette
#   make test   install, run every test
VENV ?= .venv
# pywb (replay of the capture, `nianbao serve --replay`) pins redis 2.10, which scrapy-redis
# cannot share: it has a virtual environment of its own
REPLAY_VENV ?= .venv-replay
PY := $(VENV)/bin/python
PORT ?= 8001
PORTAL_PORT ?= 8701
DB ?= var/archive.db

.PHONY: setup system-packages demo test test-fast bench clean
# Debian packages: Chromium for lists only a browser can read (and the browser tests), a CJK
# font for its screenshots, LibreOffice to read DOC/WPS/XLS attachments, Redis for crawling on
# several machines (the tests start their own server on a free loopback port), and the GL and GLib
# libraries that OpenCV (used by the OCR of scanned reports) loads.
SYSTEM_PACKAGES := chromium fonts-wqy-microhei libreoffice-writer-nogui libreoffice-calc-nogui redis-server \
	libgl1 libglib2.0-0
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

setup: system-packages $(VENV)/bin/nianbao $(REPLAY_VENV)/bin/wayback

system-packages:
	@if ! command -v chromium >/dev/null || ! command -v soffice >/dev/null \
	    || ! command -v redis-server >/dev/null || [ ! -d /usr/share/fonts/truetype/wqy ] \
	    || ! /sbin/ldconfig -p | grep -q 'libGL.so.1 '; then \
	  $(SUDO) apt-get update -qq >/dev/null 2>&1 || true; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	fi

$(VENV)/bin/nianbao: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --no-warn-script-location -e '.[test]' 2>&1 | grep -v "is ignored" || true
	test -x $@ && touch $@

$(REPLAY_VENV)/bin/wayback:
	test -x $(REPLAY_VENV)/bin/python || python3 -m venv $(REPLAY_VENV)
	$(REPLAY_VENV)/bin/python -m pip install -q --disable-pip-version-check --no-warn-script-location 'pywb>=2.10,<2.11' 2>&1 | grep -v "is ignored" || true
	test -x $@ && touch $@

demo: setup
	$(PY) -m nianbao.cli demo --db $(DB) --port $(PORT) --portal-port $(PORTAL_PORT)

test: setup
	$(PY) -m pytest -q

# the inner loop: unit tests only (no offline portals, no Chromium), seconds
test-fast: $(VENV)/bin/nianbao
	$(PY) -m pytest -q -m "not e2e and not ocr"

bench: setup
	$(PY) bench/crawl_requests.py

clean:
	rm -rf var test-artifacts .pytest_cache

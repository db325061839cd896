# Two commands for a newcomer: `make run` and `make test`. Both set everything up first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000

.PHONY: run test setup migrate messages translations browser gdal pytest vendor clean

run: setup migrate
	$(FLASK) demo-data --if-empty
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: setup browser pytest

pytest:
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: $(VENV)/.installed translations

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d participatie/translations

# After changing interface texts: extract them and merge into the English catalogue, then translate.
messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -o participatie/translations/messages.pot .
	$(BIN)/pybabel -q update -N -i participatie/translations/messages.pot -d participatie/translations

migrate: setup
	$(FLASK) db upgrade

# Browser tests drive Debian's chromium. Install it when missing and the machine allows it;
# tests/browser/conftest.py skips loudly without it, and fails instead under CI=true.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "!!! Could not install chromium: browser tests will be skipped (they fail under CI)."; \
	else \
		echo "!!! /usr/bin/chromium is missing and cannot be installed here (needs root + apt-get):"; \
		echo "!!! browser tests will be SKIPPED. Under CI=true they fail instead."; \
	fi

# GDAL's ogrinfo (Debian's gdal-bin) reads /ogc in tests/api/test_gdal.py, as QGIS and GDAL users
# would. Installed when missing and the machine allows it; under CI=true a failed install fails.
gdal:
	@if command -v ogrinfo >/dev/null; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gdal-bin >/dev/null) \
		|| { echo "!!! Could not install gdal-bin: the GDAL test will be skipped (it fails under CI)."; \
		     [ "$$CI" != "true" ]; }; \
	else \
		echo "!!! ogrinfo is missing and cannot be installed here (needs root + apt-get):"; \
		echo "!!! the GDAL test will be SKIPPED. Under CI=true it fails instead."; \
		[ "$$CI" != "true" ]; \
	fi

# Re-creates static/vendor/ (Leaflet, its plugins, axe-core) from the npm registry, pinned and checked.
vendor:
	tools/vendor.sh

clean:
	rm -rf $(VENV) instance .pytest_cache

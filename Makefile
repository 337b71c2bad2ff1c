# The README's commands. Each target sets up what is missing first (scripts/setup.sh).
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.formgen-setup

.PHONY: setup demo serve test lint typecheck bench bench-web clean

$(STAMP): pyproject.toml scripts/setup.sh
	bash scripts/setup.sh
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/formgen demo --out output

# The clerks' web page on http://127.0.0.1:8000/ (data in formgen-data/); first account:
#   .venv/bin/formgen users add 管理员 --role admin --data formgen-data
serve: $(STAMP)
	$(VENV)/bin/formgen serve --data formgen-data

lint: $(STAMP)
	$(VENV)/bin/ruff check generator templates tests benchmarks scripts
	$(VENV)/bin/ruff format --check generator templates tests benchmarks scripts

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# pytest exits 5 when it collected no test: that is a failure here.
test: lint typecheck
	$(PY) -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc

# The LibreOffice baseline needs LibreOffice: installed here if missing, else skipped.
bench: $(STAMP)
	@command -v soffice >/dev/null || { $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -q \
	  --no-install-recommends libreoffice-writer-nogui >/dev/null 2>&1 \
	  || echo "LibreOffice could not be installed: its baseline will be skipped"; }
	$(PY) -m benchmarks.run

# 20 clerks uploading and exporting at once against formgen serve on 127.0.0.1.
bench-web: $(STAMP)
	$(PY) -m benchmarks.web_load

clean:
	rm -rf output .pytest_cache .mypy_cache .ruff_cache

# Two entry points a fresh machine needs: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO ?= demo-project

.PHONY: demo test check lint typecheck pytest bench setup system clean

demo: setup
	$(BIN)/gallery-app demo $(DEMO)
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] || [ "$$(uname)" = Darwin ]; then \
	  ./scripts/setup-gui-system.sh && $(BIN)/gallery-app open $(DEMO); \
	else \
	  echo "No display here: open the app later with  $(BIN)/gallery-app open $(DEMO)"; \
	fi

test: system setup check

check: lint typecheck pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: setup
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	./scripts/setup-venv.sh "$(PYTHON)" "$(VENV)"
	touch $@

system:
	./scripts/setup-system.sh

clean:
	rm -rf $(VENV) $(DEMO) .mypy_cache .ruff_cache .pytest_cache

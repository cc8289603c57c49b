# Two commands: `make run` starts Studyhall; `make test` runs the whole test suite.
# Both install what they need first (a pinned uv, then the locked dependencies).

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENDOR := src/studyhall/web/static/vendor/.installed
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test lint typecheck check-all install clean

run: .venv/.installed $(VENDOR)
	.venv/bin/studyhall serve --demo

test: .venv/.installed $(VENDOR)
	scripts/with-postgres.sh scripts/with-redis.sh .venv/bin/pytest -n auto $(PYTEST_ARGS)

lint: .venv/.installed
	.venv/bin/ruff check src tests bench
	.venv/bin/ruff format --check src tests bench

typecheck: .venv/.installed
	.venv/bin/mypy src

check-all: test lint typecheck

install: .venv/.installed $(VENDOR)

# The web app's front-end libraries: npm ci from package-lock.json, copied into the package.
$(VENDOR): package.json package-lock.json scripts/vendor-assets.sh
	scripts/vendor-assets.sh
	touch $@

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.installed: $(UV) uv.lock pyproject.toml
	$(UV) sync --locked --quiet
	touch $@

# Login and /me against a bare Starlette baseline, measured with wrk (apt-get install -y wrk);
# pass options through BENCH_ARGS, e.g. `make bench BENCH_ARGS="--duration 10"`.
.PHONY: bench
bench: .venv/.installed
	.venv/bin/python bench/bench_auth.py $(BENCH_ARGS)

clean:
	rm -rf .venv $(TOOLS) .pytest_cache .mypy_cache .ruff_cache node_modules src/studyhall/web/static/vendor

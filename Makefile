# EduRecords — the two commands of the README, and a few helpers.
#   make run    install everything needed and start the embedded platform with demo data
#   make test   install everything needed, start the real servers, run every test
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PORT ?= 8000
PYTEST_ARGS ?=
export UV_PYTHON ?= 3.11

.PHONY: run test setup servers tools servers-down lint docs bench compose-check k8s-check

setup:
	@bash scripts/setup-python.sh

run: setup
	uv run edu up --port $(PORT)

servers:
	@bash scripts/servers.sh up >/dev/null

tools:
	@bash scripts/tools.sh install

servers-down:
	@bash scripts/servers.sh down

test: setup servers tools
	source var/servers/env.sh && uv run pytest $(PYTEST_ARGS)

lint: setup
	uv run ruff check .
	uv run ruff format --check .
	uv run mypy

docs: setup
	uv run edu write-docs

bench: setup servers
	source var/servers/env.sh && uv run python bench/bus.py
	source var/servers/env.sh && uv run python bench/identity.py --postgres
	source var/servers/env.sh && uv run python bench/gradebook.py
	source var/servers/env.sh && uv run python bench/reporting.py
	uv run python bench/transcript.py
	uv run python bench/signing.py
	source var/servers/env.sh && uv run python bench/notifications.py --postgres

compose-check:
	@bash scripts/compose-check.sh

k8s-check:
	@bash scripts/k8s-check.sh

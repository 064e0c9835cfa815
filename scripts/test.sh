#!/usr/bin/env bash
# Sets up everything the tests need (system packages, venv, the virtual room), then runs
# the linters and the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check voice_coach tests scripts
.venv/bin/mypy voice_coach
.venv/bin/python -m pytest -q "$@"

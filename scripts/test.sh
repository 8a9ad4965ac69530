#!/usr/bin/env bash
# Set up (scripts/setup.sh --test) and run the whole test suite, browser tests included.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test || exit 1
mkdir -p test-artifacts
# TypeScript unit tests of the sidebar (jest), then the Python suite (browser tests included).
PATH="$PWD/.venv/bin:$PATH" jlpm test || exit 1
.venv/bin/python -m pytest -q "$@"
rc=$?
if [ "$rc" = 5 ]; then echo "error: pytest collected no tests"; exit 1; fi
exit "$rc"

#!/usr/bin/env bash
# Set up py_tracker in ./.venv on a fresh Debian/Ubuntu machine (idempotent).
#   bash scripts/setup.sh          # the package, JupyterLab, the lab extension (built with jlpm) and
#                                  # what examples/ needs (the `examples` extra: scikit-learn)
#   bash scripts/setup.sh --test   # also what the tests need: Chromium, torch (CPU), pytest & co.
set -euo pipefail
cd "$(dirname "$0")/.."
TEST=0
[ "${1:-}" = "--test" ] && TEST=1

need_apt=()
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
if [ "$TEST" = 1 ] && [ ! -x /usr/bin/chromium ]; then need_apt+=(chromium chromium-driver); fi
if [ "${#need_apt[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need_apt[@]}"
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ "$TEST" = 1 ]; then
  # The CPU build of torch (only `watch` needs torch). Pinned: an unpinned torch pulls a multi-GB CUDA build.
  .venv/bin/python -m pip install -q "torch==2.13.0" || echo "warning: torch not installed; watch() tests will be skipped"
  .venv/bin/python -m pip install -q -e ".[test,examples,import,plots]"
else
  .venv/bin/python -m pip install -q -e ".[dask,examples]"
fi
.venv/bin/jupyter labextension list 2>&1 | grep -q "py_tracker" || { echo "error: the py_tracker lab extension is not installed"; exit 1; }
echo "py_tracker is set up in .venv"

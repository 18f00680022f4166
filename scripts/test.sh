#!/usr/bin/env bash
# The test command: set up (see setup.sh), then run the whole suite on 2 processes.
# Real data is read from $SPECDSL_SHARED_DATA (default: ../shared/data beside the checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export SPECDSL_SHARED_DATA=${SPECDSL_SHARED_DATA:-$(cd .. && pwd)/shared/data}
exec .venv/bin/python -m pytest -n 2 --durations=15 "$@"

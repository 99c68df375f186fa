#!/usr/bin/env bash
# What `make e2e` runs: brings the local cluster up if needed (with the browser for the
# UI test), runs the end-to-end tests, and takes the cluster down again when asked.
#
#   infra/local/e2e.sh [--down] [PYTEST ARGS...]
#     --down   stop the cluster afterwards (also: LAKEHOUSE_E2E_DOWN=1)
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

DOWN="${LAKEHOUSE_E2E_DOWN:-0}"
if [[ "${1:-}" == "--down" ]]; then DOWN=1; shift; fi

"$LOCAL_DIR/install.sh" --browser
"$LOCAL_DIR/status.sh" >/dev/null 2>&1 || "$LOCAL_DIR/up.sh"

rc=0
(cd "$REPO_ROOT" && LAKEHOUSE_E2E_NO_UP=1 "$VENV/bin/python" -m pytest -m e2e tests/e2e "$@") || rc=$?

if [[ "$DOWN" == 1 ]]; then
    "$LOCAL_DIR/down.sh"
fi
exit $rc

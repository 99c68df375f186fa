#!/usr/bin/env bash
# Shows what of the local cluster runs; exits non-zero when a component is down.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
rc=0
for c in objectstore spark postgres airflow; do
    "$LOCAL_DIR/$c.sh" status || rc=1
done
n="$(cluster_pids | wc -l)"
echo "processes   $n of the local cluster"
exit $rc

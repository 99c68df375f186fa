#!/usr/bin/env bash
# Stops the local cluster (Airflow, PostgreSQL, Spark, SeaweedFS) and checks that no
# process of it is left; data under .services is kept (down.sh --purge removes it).
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
T0=$SECONDS

"$LOCAL_DIR/airflow.sh" stop
"$LOCAL_DIR/postgres.sh" stop
"$LOCAL_DIR/spark.sh" stop
"$LOCAL_DIR/objectstore.sh" stop

left="$(cluster_pids)"
if [[ -n "$left" ]]; then
    log "left behind, killing: $(tr '\n' ' ' <<<"$left")"
    ps -o pid=,args= -p "$(paste -sd, <<<"$left")" >&2 || true
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null || true
    sleep 1
    left="$(cluster_pids)"
    [[ -z "$left" ]] || die "processes still alive: $left"
fi
rm -f "$RUN_DIR/sessions"

if [[ "${1:-}" == "--purge" ]]; then
    log "removing ${SERVICES_DIR#"$REPO_ROOT"/} and infra/local/.env.cluster"
    rm -rf "$SERVICES_DIR" "$ENV_CLUSTER"
fi
log "local cluster down in $((SECONDS - T0))s; no process left"

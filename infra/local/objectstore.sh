#!/usr/bin/env bash
# SeaweedFS as the S3-compatible object store: one `weed server` process running a
# master, a volume server, a filer and the S3 gateway on loopback, data under
# .services/weed. S3 identities come from the configured access/secret keys.
#
#   infra/local/objectstore.sh start|stop|status
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

WEED="$TOOLS_BIN/weed"
WEED_DIR="$SERVICES_DIR/weed"
S3_CONFIG="$WEED_DIR/s3.json"

write_s3_config() {
    mkdir -p "$WEED_DIR/data"
    (
        umask 077
        "$VENV/bin/python" - "$S3_CONFIG" <<'PY'
import json, os, sys

identity = {
    "name": "lakehouse",
    "credentials": [{
        "accessKey": os.environ["LAKEHOUSE_S3_ACCESS_KEY"],
        "secretKey": os.environ["LAKEHOUSE_S3_SECRET_KEY"],
    }],
    "actions": ["Admin", "Read", "List", "Tagging", "Write"],
}
with open(sys.argv[1], "w") as f:
    json.dump({"identities": [identity]}, f, indent=2)
PY
    )
}

s3_answers() { port_open "$S3_PORT"; }

start() {
    ensure_secrets
    [[ -x "$WEED" ]] || die "no weed binary in .tools/bin; run infra/local/install.sh"
    if ! is_running weed; then
        write_s3_config
        log "starting SeaweedFS (S3 gateway $S3_ENDPOINT)"
        # Telemetry off (no network here); the Iceberg and Lance endpoints are not used.
        # volume.max=0 sizes the volume count from free disk: each bucket is a
        # collection that grows several volumes, more than the default 8 allow for two.
        # preStopSeconds=0: no load balancer to drain here, so stop at once (default 10 s).
        start_service weed "$LOG_DIR/weed.log" "$WEED" server \
            -ip="$BIND_HOST" -ip.bind="$BIND_HOST" -dir="$WEED_DIR/data" \
            -master.port="$WEED_MASTER_PORT" -master.telemetry=false \
            -master.volumeSizeLimitMB=512 -volume.max=0 \
            -volume.port="$WEED_VOLUME_PORT" -volume.preStopSeconds=0 \
            -filer -filer.port="$WEED_FILER_PORT" \
            -s3 -s3.port="$S3_PORT" -s3.config="$S3_CONFIG" \
            -s3.port.iceberg=0 -s3.port.lance=0
    fi
    wait_until "SeaweedFS S3 gateway on :$S3_PORT" 120 s3_answers
    log "SeaweedFS: S3 gateway answers at $S3_ENDPOINT"
}

stop() { stop_service weed 20; }

status() {
    if is_running weed && s3_answers; then
        echo "objectstore up    $S3_ENDPOINT  (SeaweedFS $("$WEED" version 2>/dev/null | awk 'NR == 1 { print $3 }'))"
    else
        echo "objectstore down"
        return 1
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

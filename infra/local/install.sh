#!/usr/bin/env bash
# Installs what the local cluster needs and is missing; safe to run again.
#
#   infra/local/install.sh            Debian packages, the SeaweedFS binary, the JVM jars
#   infra/local/install.sh --browser  also Debian's chromium + chromedriver (browser tests)
#   infra/local/install.sh --browser-only   just chromium + chromedriver (`make test` needs them)
#
# The SeaweedFS `weed` binary is built from source with the Go toolchain, pinned by
# infra/local/weed/go.mod, into .tools/bin (ignored by git).
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

WITH_BROWSER=0
BROWSER_ONLY=0
[[ "${1:-}" == "--browser" ]] && WITH_BROWSER=1
[[ "${1:-}" == "--browser-only" ]] && WITH_BROWSER=1 && BROWSER_ONLY=1

APT_UPDATED=0
apt_install() {
    local missing=("$@")
    (( ${#missing[@]} )) || return 0
    local sudo=""
    [[ "$(id -u)" == 0 ]] || sudo="sudo"
    if (( ! APT_UPDATED )); then
        log "apt-get update"
        $sudo apt-get update -qq
        APT_UPDATED=1
    fi
    log "apt-get install ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

install_debian_packages() {
    local want=()
    command -v curl >/dev/null || want+=(curl)
    command -v java >/dev/null || want+=(openjdk-17-jre-headless)
    command -v setsid >/dev/null || want+=(util-linux)
    command -v ps >/dev/null || want+=(procps)
    if (( WITH_BROWSER )); then
        [[ -x /usr/bin/chromium ]] || want+=(chromium)
        [[ -x /usr/bin/chromedriver ]] || want+=(chromium-driver)
    fi
    apt_install "${want[@]}"
    if [[ -z "$(pg_bindir)" ]]; then
        # Debian's package would create and start a default cluster on port 5432; a
        # policy-rc.d that forbids service starts keeps the install from running one.
        local policy=/usr/sbin/policy-rc.d created_policy=0
        if [[ "$(id -u)" == 0 && ! -e "$policy" ]]; then
            printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created_policy=1
        fi
        apt_install postgresql
        (( created_policy )) && rm -f "$policy"
    fi
}

weed_pinned_version() {
    awk '$1 == "github.com/seaweedfs/seaweedfs" { print $2 }' "$LOCAL_DIR/weed/go.mod"
}

install_weed() {
    local version stamp="$TOOLS_BIN/weed.version"
    version="$(weed_pinned_version)"
    if [[ -x "$TOOLS_BIN/weed" && "$(cat "$stamp" 2>/dev/null)" == "$version" ]]; then
        return 0
    fi
    command -v go >/dev/null || die "the Go toolchain is needed to build SeaweedFS (weed)"
    log "building SeaweedFS weed $version into .tools/bin (a few minutes on 2 cores)"
    mkdir -p "$TOOLS_BIN"
    # `go install ...@version` is refused for seaweedfs (its go.mod has a replace
    # directive), so the pinned module in infra/local/weed builds it.
    (cd "$LOCAL_DIR/weed" && go build -trimpath -ldflags "-s -w" \
        -o "$TOOLS_BIN/weed" github.com/seaweedfs/seaweedfs/weed)
    echo "$version" > "$stamp"
}

install_jars() {
    if compgen -G "$JARS_DIR/delta-spark_*.jar" >/dev/null && compgen -G "$JARS_DIR/hadoop-aws-*.jar" >/dev/null; then
        return 0
    fi
    if [[ -f "$REPO_ROOT/Makefile" ]] && grep -qE '^jars:' "$REPO_ROOT/Makefile"; then
        log "make jars"
        make -C "$REPO_ROOT" jars
    else
        log "resolving JVM jars with maven into .jars"
        (cd "$REPO_ROOT/infra/jvm" && mvn -q dependency:copy-dependencies -DoutputDirectory="$JARS_DIR")
    fi
}

if (( BROWSER_ONLY )); then
    want=()
    [[ -x /usr/bin/chromium ]] || want+=(chromium)
    [[ -x /usr/bin/chromedriver ]] || want+=(chromium-driver)
    apt_install "${want[@]}"
    exit 0
fi

[[ -x "$VENV/bin/python" ]] || die "no virtualenv at ${VENV#"$REPO_ROOT"/}; create it first (make venv)"
install_debian_packages
install_weed
install_jars
log "install: done"

# shellcheck shell=bash
# Shared helpers for tools/serve_clients.sh and tools/serve_load.sh: build ward,
# lay out a TF Serving model base dir, start `ward serve` on free loopback ports,
# read its `token: ...` line, wait until it answers, stop it at exit.
# Source it; it does not run anything by itself.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WARD="${WARD_BIN:-$REPO/target/release/ward}"
VENV="${WARD_SERVE_VENV:-/root/venvs/serving}"
VPY="$VENV/bin/python"
FIXTURE="$REPO/tests/fixtures/models/mlp"

SERVE_PIDS=()
SERVE_TMP=""

serve_cleanup() {
    local pid
    for pid in "${SERVE_PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -9 "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    done
    if [ -n "$SERVE_TMP" ] && [ -z "${KEEP_TMP:-}" ]; then rm -rf "$SERVE_TMP"; fi
}

serve_init() {
    SERVE_TMP="$(mktemp -d /tmp/ward_serve.XXXXXX)"
    # ward serve started as root switches to an unprivileged user (`nobody`)
    # after binding; the model dirs must stay readable to it, as in a real
    # deployment (mktemp -d makes a 0700 dir).
    chmod 755 "$SERVE_TMP"
    trap serve_cleanup EXIT
    trap 'exit 130' INT TERM
}

serve_build() {
    if [ -n "${NO_BUILD:-}" ]; then
        echo "skipping build (NO_BUILD set); using $WARD"
    else
        echo "+ cargo build --release -p ward-cli"
        (cd "$REPO" && cargo build --release -p ward-cli)
    fi
    [ -x "$WARD" ] || { echo "error: $WARD not found" >&2; exit 2; }
    if ! "$WARD" serve --help >/dev/null 2>&1; then
        echo "error: $WARD has no 'serve' subcommand" >&2
        exit 2
    fi
}

serve_venv() {
    if ! "$VPY" -c 'import tensorflow_serving.apis' >/dev/null 2>&1; then
        bash "$REPO/tools/serve_setup_venv.sh"
    fi
}

# TF Serving layout: DIR/1/saved_model.pb + variables/ (a copy, not a symlink,
# so a server that refuses symlinks still loads it).
serve_model_dir() {
    local d="$SERVE_TMP/models/mlp"
    mkdir -p "$d"
    cp -r "$FIXTURE/saved_model" "$d/1"
    echo "$d"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# serve_start NAME ARGS... : starts "$WARD serve ARGS" in the background with
# stdout/stderr in $SERVE_TMP/NAME.{stdout,stderr}; sets SERVE_PID.
serve_start() {
    local name="$1"; shift
    echo "+ $WARD serve $*  >$SERVE_TMP/$name.stdout 2>$SERVE_TMP/$name.stderr &"
    "$WARD" serve "$@" >"$SERVE_TMP/$name.stdout" 2>"$SERVE_TMP/$name.stderr" &
    SERVE_PID=$!
    SERVE_PIDS+=("$SERVE_PID")
}

# serve_read_token NAME : waits (<= 60 s) for `token: X` on NAME.stdout; sets TOKEN.
serve_read_token() {
    local name="$1" out="$SERVE_TMP/$1.stdout"
    TOKEN=""
    for _ in $(seq 1 600); do
        if [ -s "$out" ]; then
            TOKEN="$(sed -n 's/^token: *//p' "$out" | head -n1 | tr -d '\r')"
            [ -n "$TOKEN" ] && return 0
        fi
        if ! kill -0 "$SERVE_PID" 2>/dev/null; then
            echo "error: ward serve exited before printing a token" >&2
            serve_dump "$name"
            return 1
        fi
        sleep 0.1
    done
    echo "error: no 'token: ...' line on stdout within 60 s" >&2
    serve_dump "$name"
    return 1
}

# serve_wait_http URL [curl args...] : waits (<= 60 s) until URL answers at all.
serve_wait_http() {
    local url="$1"; shift
    for _ in $(seq 1 600); do
        local code
        code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" "$url" || true)"
        if [ -n "$code" ] && [ "$code" != "000" ]; then return 0; fi
        kill -0 "$SERVE_PID" 2>/dev/null || { echo "error: ward serve died" >&2; return 1; }
        sleep 0.1
    done
    echo "error: $url did not answer within 60 s" >&2
    return 1
}

# serve_wait_tcp PORT : waits (<= 60 s) until 127.0.0.1:PORT accepts.
serve_wait_tcp() {
    for _ in $(seq 1 600); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        kill -0 "$SERVE_PID" 2>/dev/null || { echo "error: ward serve died" >&2; return 1; }
        sleep 0.1
    done
    echo "error: port $1 not accepting within 60 s" >&2
    return 1
}

serve_dump() {
    local name="$1"
    echo "--- $name.stdout (token lines redacted)"
    sed 's/^token: .*/token: <redacted>/' "$SERVE_TMP/$name.stdout" 2>/dev/null | tail -n 20
    echo "--- $name.stderr (last 40 lines)"
    tail -n 40 "$SERVE_TMP/$name.stderr" 2>/dev/null
    echo "---"
}

# The MLP fixture input as a TF Serving row-format request body.
serve_predict_body() {
    "$VPY" -c 'import json,sys,numpy as np; print(json.dumps({"instances": np.load(sys.argv[1]).tolist()}))' \
        "$FIXTURE/inputs/x.npy"
}

# serve_tls_material DIR : self-signed P-256 cert for localhost/127.0.0.1;
# sets CERT and KEY (key mode 0600, root-owned, as an admin would keep it).
serve_tls_material() {
    mkdir -p "$1"
    chmod 755 "$1"
    CERT="$1/cert.pem"
    KEY="$1/key.pem"
    echo "+ openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout $KEY -out $CERT"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
        -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout "$KEY" -out "$CERT" 2>/dev/null || { echo "error: openssl failed" >&2; return 1; }
    chmod 600 "$KEY"
}

# serve_new_token : runs `ward token new`; sets NEW_TOKEN and NEW_SHA.
serve_new_token() {
    local out
    out="$("$WARD" token new)" || { echo "error: ward token new failed" >&2; return 1; }
    NEW_TOKEN="$(printf '%s\n' "$out" | sed -n 's/^token: *//p' | head -n1)"
    NEW_SHA="$(printf '%s\n' "$out" | sed -n 's/^token_sha256: *//p' | head -n1)"
    if [ -z "$NEW_TOKEN" ] || [ -z "$NEW_SHA" ]; then
        echo "error: 'ward token new' printed no token:/token_sha256: lines" >&2
        return 1
    fi
    local want
    want="$(printf '%s' "$NEW_TOKEN" | sha256sum | cut -d' ' -f1)"
    if [ "$want" != "$NEW_SHA" ]; then
        echo "note: token_sha256 is not sha256(token as printed) (got $NEW_SHA, sha256sum says $want)" >&2
    fi
}

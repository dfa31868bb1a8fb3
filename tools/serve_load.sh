#!/usr/bin/env bash
# Load test of `ward serve`'s REST predict endpoint with wrk, on loopback only,
# bounded in time: POST /v1/models/mlp:predict (the MLP fixture, 2 rows, row
# format) with `Authorization: Bearer <token>`, plaintext (quick-start flags)
# and TLS (a --config ward.toml with a [tls] section, a self-signed cert made
# here with openssl, and an identity whose token_sha256 comes from
# `ward token new`).
#
# Each configuration (transport x connections) gets a freshly started server,
# one probe request before the run (must be 200) and one after it (the
# "after" column: the server must still answer 200 once the load stops).
#
# Usage:  bash tools/serve_load.sh
#   DURATION=10   seconds per configuration      CONNS="8 32"   connections
#   THREADS=2     wrk threads                     NO_BUILD=1     skip cargo
#   WARD_BIN=...  another ward binary             KEEP_TMP=1     keep logs/config
#   SKIP_TLS=1    plaintext only                  WORKERS=N      [[model]] workers (TLS config)
# Needs wrk (`apt-get install -y wrk`, done here if missing), openssl, curl.
# Prints a markdown table: requests/s, p50/p90/p99/max latency, HTTP >= 400
# responses and socket errors per configuration. Exit 1 if any request failed.
set -uo pipefail
# shellcheck source=tools/serve_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/serve_lib.sh"

DURATION="${DURATION:-10}"
CONNS="${CONNS:-8 32}"
THREADS="${THREADS:-2}"

if ! command -v wrk >/dev/null; then
    echo "+ apt-get install -y wrk"
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y wrk >/dev/null; }
fi
command -v wrk >/dev/null || { echo "error: wrk not available" >&2; exit 2; }

serve_init
serve_build || exit 2
MODEL_DIR="$(serve_model_dir)"
BODY="$(python3 -c 'import json,struct,sys
# x.npy without numpy: parse the .npy header, read float32 little-endian rows.
f=open(sys.argv[1],"rb"); f.read(8); hl=struct.unpack("<H",f.read(2))[0]; h=eval(f.read(hl))
assert h["descr"]=="<f4" and not h["fortran_order"], h
r,c=h["shape"]; v=struct.unpack("<%df"%(r*c), f.read(4*r*c))
print(json.dumps({"instances":[list(v[i*c:(i+1)*c]) for i in range(r)]}))' "$FIXTURE/inputs/x.npy")"

ROWS=()
FAILED=0
NOTES=()

# make_lua FILE TOKEN : wrk script that POSTs $BODY with the bearer token,
# tallies response codes per thread and prints one WRKJSON line at the end.
make_lua() {
    local body_lua
    body_lua="$(printf '%s' "$BODY" | sed 's/\\/\\\\/g; s/"/\\"/g')"
    cat >"$1" <<EOF
wrk.method = "POST"
wrk.body = "$body_lua"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $2"

local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) codes = {} end
function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
end

done = function(summary, latency, requests)
  local e = summary.errors
  local all = {}
  for _, t in ipairs(threads) do
    local c = t:get("codes")
    if c then for k, v in pairs(c) do all[k] = (all[k] or 0) + v end end
  end
  local parts = {}
  for k, v in pairs(all) do table.insert(parts, string.format('"%d":%d', k, v)) end
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"status_errors":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"codes":{%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.status, e.connect, e.read, e.write, e.timeout,
    table.concat(parts, ",")))
end
EOF
}

# probe URL CURL_ARGS... : one predict by hand; prints the HTTP code.
probe() {
    local url="$1"; shift
    curl -sS -o "$SERVE_TMP/probe.json" -w '%{http_code}' --max-time 10 "$@" \
        -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
        --data-binary "$BODY" "$url" 2>/dev/null || true
}

# ---------------------------------------------------------------- server starters
# Each sets SERVE_PID, TOKEN, URL, CURL_ARGS (array) and LUA, or returns 1.

start_plain() {
    local g r
    g="$(free_port)"; r="$(free_port)"
    serve_start plain --model_name mlp --model_base_path "$MODEL_DIR" --port "$g" --rest_api_port "$r"
    serve_read_token plain || return 1
    serve_wait_http "http://127.0.0.1:$r/v1/models/mlp" || { serve_dump plain; return 1; }
    URL="http://127.0.0.1:$r/v1/models/mlp:predict"
    CURL_ARGS=()
    LUA="$SERVE_TMP/plain.lua"
    make_lua "$LUA" "$TOKEN"
}

TLS_READY=""
tls_prepare() {
    TLS_DIR="$SERVE_TMP/tls"
    serve_tls_material "$TLS_DIR" || return 1
    echo "+ $WARD token new"
    serve_new_token || return 1
    TLS_TOKEN="$NEW_TOKEN"
    TLS_GRPC_PORT="$(free_port)"; TLS_REST_PORT="$(free_port)"
    # Keys as in examples/ward.toml (crates/serve/src/config.rs).
    cat >"$TLS_DIR/ward.toml" <<TOML
# written by tools/serve_load.sh
[server]
listen = "127.0.0.1"
grpc_port = $TLS_GRPC_PORT
rest_port = $TLS_REST_PORT
audit_log = "$TLS_DIR/audit.log"

[tls]
cert = "$CERT"
key = "$KEY"

[[identity]]
name = "loadtest"
token_sha256 = "$NEW_SHA"
[[identity.grant]]
models = ["mlp"]
verbs = ["predict"]

[[model]]
name = "mlp"
base_path = "$MODEL_DIR"
${WORKERS:+workers = $WORKERS}
TOML
    sed 's/^/    /' "$TLS_DIR/ward.toml"
    TLS_READY=1
}

start_tls() {
    [ -n "$TLS_READY" ] || tls_prepare || return 1
    TOKEN="$TLS_TOKEN"
    serve_start tls --config "$TLS_DIR/ward.toml"
    if ! serve_wait_http "https://127.0.0.1:$TLS_REST_PORT/v1/models/mlp" --cacert "$CERT" 2>/dev/null \
        && [ "$(id -u)" = 0 ]; then
        # ward serve (as root) drops to `nobody` before it opens the TLS key and
        # the audit log (see tools/serve_clients.sh); hand both to nobody, retry.
        NOTES+=("TLS start with a root-owned 0600 key / audit log failed: $(grep -m1 '^error' "$SERVE_TMP/tls.stderr"); key and audit log chowned to nobody for the run")
        echo "note: ${NOTES[-1]}"
        chown nobody "$KEY"
        touch "$TLS_DIR/audit.log"
        chown nobody "$TLS_DIR/audit.log"
        serve_start tls --config "$TLS_DIR/ward.toml"
    fi
    serve_wait_http "https://127.0.0.1:$TLS_REST_PORT/v1/models/mlp" --cacert "$CERT" \
        || { serve_dump tls; return 1; }
    URL="https://127.0.0.1:$TLS_REST_PORT/v1/models/mlp:predict"
    CURL_ARGS=(--cacert "$CERT")
    LUA="$SERVE_TMP/tls.lua"
    make_lua "$LUA" "$TOKEN"
}

stop_current() {
    kill "$SERVE_PID" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVE_PID" 2>/dev/null
    wait "$SERVE_PID" 2>/dev/null
}

# one_run LABEL STARTER CONNS
one_run() {
    local label="$1" starter="$2" c="$3" name
    name="$([ "$starter" = start_tls ] && echo tls || echo plain)"
    echo
    echo "== $label, $c connections (fresh server)"
    if ! "$starter"; then
        echo "error: could not start the server for $label" >&2
        FAILED=1
        ROWS+=("| $label | $c | - | - | - | - | - | - | - | - | server did not start | - | - |")
        return
    fi
    local before after t="$THREADS"
    before="$(probe "$URL" "${CURL_ARGS[@]}")"
    if [ "$before" != 200 ]; then
        echo "error: probe before the run: HTTP $before $(head -c 300 "$SERVE_TMP/probe.json")" >&2
        FAILED=1
    fi
    [ "$c" -lt "$t" ] && t="$c"
    echo "+ wrk -t$t -c$c -d${DURATION}s --timeout 10s --latency -s $LUA $URL"
    wrk "-t$t" "-c$c" "-d${DURATION}s" --timeout 10s --latency -s "$LUA" "$URL" \
        >"$SERVE_TMP/wrk.out" 2>&1
    sed 's/^/    /' "$SERVE_TMP/wrk.out" | grep -v WRKJSON
    sleep 0.5
    after="$(probe "$URL" "${CURL_ARGS[@]}")"
    if [ "$after" != 200 ]; then
        echo "error: probe after the run: HTTP $after $(head -c 300 "$SERVE_TMP/probe.json")" >&2
        FAILED=1
    fi
    if ! kill -0 "$SERVE_PID" 2>/dev/null; then
        echo "error: ward serve died under load" >&2
        FAILED=1
        serve_dump "$name"
    fi
    local js row
    js="$(sed -n 's/^WRKJSON //p' "$SERVE_TMP/wrk.out" | tail -n1)"
    if [ -z "$js" ]; then
        echo "error: wrk printed no summary" >&2
        FAILED=1
        ROWS+=("| $label | $c | $t | - | - | - | - | - | - | - | wrk failed | - | $after |")
    else
        row="$(python3 - "$js" "$label" "$c" "$t" "$after" <<'PY'
import json, sys
j = json.loads(sys.argv[1])
label, c, t, after = sys.argv[2:6]
secs = j["duration_us"] / 1e6
rps = j["requests"] / secs
sock = j["connect"] + j["read"] + j["write"] + j["timeout"]
ms = lambda k: j[k] / 1000
codes = " ".join(f"{k}:{v}" for k, v in sorted(j["codes"].items()))
print(f"| {label} | {c} | {t} | {secs:.1f} | {j['requests']} | {rps:,.0f} | {ms('p50_us'):.2f} | "
      f"{ms('p90_us'):.2f} | {ms('p99_us'):.2f} | {ms('max_us'):.1f} | {j['status_errors']} ({codes}) | "
      f"{sock} | {after} |")
sys.exit(1 if j["status_errors"] or sock else 0)
PY
)" || FAILED=1
        ROWS+=("$row")
    fi
    stop_current
}

for c in $CONNS; do one_run "http" start_plain "$c"; done
if [ -z "${SKIP_TLS:-}" ]; then
    for c in $CONNS; do one_run "https (TLS)" start_tls "$c"; done
    if [ -s "${TLS_DIR:-/nonexistent}/audit.log" ]; then
        echo "TLS audit log: $(wc -l <"$TLS_DIR/audit.log") lines"
        if grep -qF -- "$TLS_TOKEN" "$TLS_DIR/audit.log"; then
            echo "error: the token appears in the audit log" >&2
            FAILED=1
        fi
    fi
fi

echo
echo "ward serve REST predict load test: MLP 20-32-16-10, 2 rows/request, $(nproc) cores shared by ward and wrk, loopback, $(date -u +%F)"
echo
echo "| transport | conns | wrk threads | seconds | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | HTTP >=400 (codes) | socket errors | probe after |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"
for r in "${ROWS[@]}"; do echo "$r"; done
for n in "${NOTES[@]}"; do echo; echo "note: $n"; done
echo
if [ "$FAILED" != 0 ]; then
    echo "serve_load: FAIL (errors above)"
    exit 1
fi
echo "serve_load: OK"

#!/usr/bin/env bash
# End-to-end check of `ward serve` with real external clients:
#   (a) curl against the REST API (TF Serving's /v1/models/... routes),
#   (b) TensorFlow Serving's own Python gRPC client (tensorflow_serving.apis).
#
# Phase 1 (qs): builds ward (release), lays out a TF Serving model dir (DIR/1/ =
# the MLP fixture SavedModel), starts `ward serve` with the quick-start flags on
# free loopback ports, reads the `token: ...` line from its stdout and runs
# tools/serve_clients.py over plaintext REST and gRPC.
# Phase 2 (tls): `ward serve --config ward.toml` with [tls] (a self-signed cert
# made here with openssl), an audit log and two identities from
# `ward token new` -- one granted predict/metadata/status, one only status --
# and the same checks over https and TLS gRPC, plus 403 / PERMISSION_DENIED
# for the status-only identity.
# Every server started is stopped at exit.
#
# Usage:  bash tools/serve_clients.sh
#   NO_BUILD=1     skip `cargo build --release -p ward-cli`
#   WARD_BIN=path  another ward binary          KEEP_TMP=1   keep logs/config
#   SKIP_CONFIG=1  phase 1 only
# Needs:  /root/venvs/serving (tools/serve_setup_venv.sh, run if missing),
#         curl, openssl, ss.
# Prints PASS/FAIL per check and `serve_clients: N passed, N failed`; exit 1 on
# any failure.
set -uo pipefail
# shellcheck source=tools/serve_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/serve_lib.sh"

serve_init
serve_venv
serve_build || exit 2

MODEL_DIR="$(serve_model_dir)"
GRPC_PORT="$(free_port)"
REST_PORT="$(free_port)"
while [ "$REST_PORT" = "$GRPC_PORT" ]; do REST_PORT="$(free_port)"; done

SH_PASS=0
SH_FAIL=0
PY_PASS=0
PY_FAIL=0
pass() { echo "PASS $1${2:+  ($2)}"; SH_PASS=$((SH_PASS + 1)); }
fail() { echo "FAIL $1: $2"; SH_FAIL=$((SH_FAIL + 1)); }

finish() {
    local total_pass=$((SH_PASS + PY_PASS)) total_fail=$((SH_FAIL + PY_FAIL)) n
    if [ "$total_fail" != 0 ]; then
        for n in qs tls; do
            [ -s "$SERVE_TMP/$n.stderr" ] || continue
            echo "server log tail ($n.stderr):"
            tail -n 30 "$SERVE_TMP/$n.stderr"
        done
    fi
    echo
    echo "serve_clients: $total_pass passed, $total_fail failed"
    [ "$total_fail" = 0 ]
    exit $?
}

# run_py NAME ARGS... : runs serve_clients.py with WARD_TOKEN=$TOKEN, adds its
# counts to the totals.
run_py() {
    local name="$1"; shift
    echo
    echo "+ WARD_TOKEN=\$TOKEN${WARD_LIMITED_TOKEN:+ WARD_LIMITED_TOKEN=\$LIMITED_TOKEN} $VPY tools/serve_clients.py $*"
    WARD_TOKEN="$TOKEN" TF_CPP_MIN_LOG_LEVEL=2 "$VPY" "$REPO/tools/serve_clients.py" "$@" \
        2> >(grep -v -E '^(I0000|W0000|WARNING: All log messages)' >&2) | tee "$SERVE_TMP/$name.py.out"
    local rc=${PIPESTATUS[0]} p f
    read -r p f < <(sed -n 's/^serve_clients\.py: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$SERVE_TMP/$name.py.out" | tail -n1)
    PY_PASS=$((PY_PASS + ${p:-0}))
    PY_FAIL=$((PY_FAIL + ${f:-0}))
    if [ "$rc" != 0 ] && [ "${f:-0}" = 0 ]; then
        fail "[$name] serve_clients.py ran" "exit $rc without a summary"
    fi
    echo
}

# server_checks NAME TOKEN... : the server survived, logged no token, did not panic.
server_checks() {
    local name="$1" t leaked=""; shift
    if kill -0 "$SERVE_PID" 2>/dev/null; then
        pass "[$name] ward serve still running after all checks"
    else
        wait "$SERVE_PID"; local rc=$?
        fail "[$name] ward serve still running after all checks" "exited with status $rc"
        serve_dump "$name"
    fi
    local logs=("$SERVE_TMP/$name.stderr")
    [ -f "$SERVE_TMP/$name.audit.log" ] && logs+=("$SERVE_TMP/$name.audit.log")
    for t in "$@"; do
        if grep -qF -- "$t" "${logs[@]}"; then
            leaked="$(grep -lF -- "$t" "${logs[@]}" | tr '\n' ' ')"
        fi
    done
    if [ -n "$leaked" ]; then
        fail "[$name] tokens do not appear in the server's logs" "a token is in $leaked"
    else
        pass "[$name] tokens do not appear in the server's logs" "$(cat "${logs[@]}" | wc -l) log lines"
    fi
    if grep -qE 'panicked|RUST_BACKTRACE' "$SERVE_TMP/$name.stderr"; then
        fail "[$name] no panic in the server log" "$(grep -m3 -E 'panicked|RUST_BACKTRACE' "$SERVE_TMP/$name.stderr")"
    else
        pass "[$name] no panic in the server log"
    fi
}

# audit_checks NAME FILE : every JSON audit line has the fields, and its
# `code` is the protocol's own code for its `status` (HTTP for REST, the gRPC
# status number for gRPC).
audit_checks() {
    local name="$1" file="$2" out
    out="$(python3 - "$file" <<'PY'
import json, sys
GRPC = {"OK": 0, "Cancelled": 1, "Unknown": 2, "InvalidArgument": 3, "DeadlineExceeded": 4,
        "NotFound": 5, "AlreadyExists": 6, "PermissionDenied": 7, "ResourceExhausted": 8,
        "FailedPrecondition": 9, "Aborted": 10, "OutOfRange": 11, "Unimplemented": 12,
        "Internal": 13, "Unavailable": 14, "DataLoss": 15, "Unauthenticated": 16}
HTTP = {"OK": {200}, "InvalidArgument": {400}, "FailedPrecondition": {400}, "OutOfRange": {400},
        "Unauthenticated": {401}, "PermissionDenied": {403}, "NotFound": {404},
        "DeadlineExceeded": {408, 504}, "AlreadyExists": {409}, "Aborted": {409},
        "ResourceExhausted": {413, 429, 503}, "Cancelled": {499}, "Unimplemented": {501},
        "Unavailable": {503}, "Internal": {500}, "Unknown": {500}, "DataLoss": {500}}
need = {"time", "protocol", "identity", "model", "verb", "status", "code"}
n, bad, missing = 0, {}, 0
for line in open(sys.argv[1], errors="replace"):
    if not line.startswith("{"):
        continue
    try:
        j = json.loads(line)
    except json.JSONDecodeError:
        continue
    n += 1
    if not need <= set(j):
        missing += 1
        continue
    st, code, proto = j["status"], j["code"], j["protocol"]
    ok = (GRPC.get(st) == code) if proto == "grpc" else (code in HTTP.get(st, {code}))
    if not ok:
        key = (proto, st, code)
        e = bad.setdefault(key, [0, set()])
        e[0] += 1
        e[1].add(str(j.get("verb")))
msg = f"{n} audit lines"
if missing:
    msg += f"; {missing} lack some of {sorted(need)}"
if bad:
    msg += "; status/code mismatches: " + ", ".join(
        f"{p} status={s} code={c} (x{k}, verbs={'/'.join(sorted(v))}; want {GRPC.get(s) if p == 'grpc' else sorted(HTTP.get(s, []))})"
        for (p, s, c), (k, v) in sorted(bad.items()))
print(msg)
sys.exit(1 if (missing or bad or n == 0) else 0)
PY
)"
    if [ $? = 0 ]; then
        pass "[$name] audit lines carry the right code for their status" "$out"
    else
        fail "[$name] audit lines carry the right code for their status" "$out"
    fi
}

# stop_server NAME : SIGTERM, must exit within 10 s.
stop_server() {
    local name="$1" pid="$SERVE_PID"
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        fail "[$name] ward serve stops on SIGTERM within 10 s" "still running"
    else
        wait "$pid"; local rc=$?
        pass "[$name] ward serve stops on SIGTERM within 10 s" "exit status $rc"
    fi
}

# ---------------------------------------------------------------- phase 1: quick start, plaintext
echo "== phase 1: ward serve quick start (plaintext, generated token)"
serve_start qs --model_name mlp --model_base_path "$MODEL_DIR" \
    --port "$GRPC_PORT" --rest_api_port "$REST_PORT"
if ! serve_read_token qs; then
    fail "[qs] quick start prints 'token: <value>' on stdout" "no token line (see log above)"
    finish
fi
pass "[qs] quick start prints 'token: <value>' on stdout" "${#TOKEN} chars"
nlines="$(grep -c . "$SERVE_TMP/qs.stdout")"
if [ "$nlines" = 1 ]; then
    pass "[qs] stdout holds exactly the token line"
else
    fail "[qs] stdout holds exactly the token line" "expected 1 non-empty line, got $nlines"
fi

if serve_wait_http "http://127.0.0.1:$REST_PORT/v1/models/mlp" && serve_wait_tcp "$GRPC_PORT"; then
    pass "[qs] REST :$REST_PORT and gRPC :$GRPC_PORT accept connections"
else
    fail "[qs] REST :$REST_PORT and gRPC :$GRPC_PORT accept connections" "not listening"
    serve_dump qs
    finish
fi

# Quick start binds loopback only.
listen="$(ss -Hltnp 2>/dev/null | grep "pid=$SERVE_PID," | awk '{print $4}' | sort -u | tr '\n' ' ')"
if [ -z "$listen" ]; then
    fail "[qs] quick start listens on loopback only" "ss shows no listening socket for pid $SERVE_PID"
elif echo "$listen" | tr ' ' '\n' | grep -v '^$' | grep -qvE '^(127\.[0-9.]+|\[::ffff:127\.[0-9.]+\]|\[::1\]):[0-9]+$'; then
    fail "[qs] quick start listens on loopback only" "listening on: $listen"
else
    pass "[qs] quick start listens on loopback only" "$listen"
fi

run_py qs --rest "http://127.0.0.1:$REST_PORT" --grpc "127.0.0.1:$GRPC_PORT" \
    --model mlp --fixture "$FIXTURE" --label qs
server_checks qs "$TOKEN"
audit_checks qs "$SERVE_TMP/qs.stderr"   # quick start audits to stderr
stop_server qs

# ---------------------------------------------------------------- phase 2: --config, TLS, two identities
if [ -n "${SKIP_CONFIG:-}" ]; then
    finish
fi
echo
echo "== phase 2: ward serve --config ward.toml with [tls], an audit log and two identities"
TLS_DIR="$SERVE_TMP/tls"
serve_tls_material "$TLS_DIR" || exit 2
echo "+ $WARD token new   (twice)"
serve_new_token || exit 2
FULL_TOKEN="$NEW_TOKEN"
FULL_SHA="$NEW_SHA"
serve_new_token || exit 2
LIMITED_TOKEN="$NEW_TOKEN"
LIMITED_SHA="$NEW_SHA"
GRPC_PORT="$(free_port)"
REST_PORT="$(free_port)"
while [ "$REST_PORT" = "$GRPC_PORT" ]; do REST_PORT="$(free_port)"; done
# Keys as in examples/ward.toml (crates/serve/src/config.rs).
cat >"$TLS_DIR/ward.toml" <<TOML
# written by tools/serve_clients.sh
[server]
listen = "127.0.0.1"
grpc_port = $GRPC_PORT
rest_port = $REST_PORT
audit_log = "$SERVE_TMP/tls.audit.log"

[tls]
cert = "$CERT"
key = "$KEY"

[[identity]]
name = "client"
token_sha256 = "$FULL_SHA"
metrics = true
[[identity.grant]]
models = ["mlp"]
verbs = ["predict", "metadata", "status"]

[[identity]]
name = "status-only"
token_sha256 = "$LIMITED_SHA"
[[identity.grant]]
models = ["mlp"]
verbs = ["status"]

[[model]]
name = "mlp"
base_path = "$MODEL_DIR"
labels = { stable = 1 }
workers = 2
TOML
sed 's/^/    /' "$TLS_DIR/ward.toml"
# As an admin would set it up: the key root-only (0600) and the audit log in a
# root-owned dir. ward serve started as root binds, then switches to `nobody`
# (examples/ward.toml `user`); whatever it opens after that must be readable or
# writable by nobody. Each problem is reported, worked around, and the start
# retried, so the rest of the phase still runs.
tls_up() {
    serve_wait_http "https://127.0.0.1:$REST_PORT/v1/models/mlp" --cacert "$CERT" 2>/dev/null \
        && serve_wait_tcp "$GRPC_PORT" 2>/dev/null
}
tls_attempt=1
serve_start tls --config "$TLS_DIR/ward.toml"
while ! tls_up; do
    wait "$SERVE_PID" 2>/dev/null
    err="$(grep -m1 '^error' "$SERVE_TMP/tls.stderr")"
    mv "$SERVE_TMP/tls.stderr" "$SERVE_TMP/tls.attempt$tls_attempt.stderr"
    tls_attempt=$((tls_attempt + 1))
    if [ "$(id -u)" = 0 ] && [[ "$err" == *"audit log"*"Permission denied"* ]]; then
        fail "[tls] starts as root with audit_log in a root-owned dir (opened before dropping to nobody)" "$err"
        echo "  workaround: touch + chown nobody $SERVE_TMP/tls.audit.log; restart"
        touch "$SERVE_TMP/tls.audit.log"
        chown nobody "$SERVE_TMP/tls.audit.log"
    elif [ "$(id -u)" = 0 ] && [[ "$err" == *"$KEY"*"Permission denied"* ]]; then
        fail "[tls] starts as root with a root-owned 0600 TLS key (read before dropping to nobody)" "$err"
        echo "  workaround: chown nobody $KEY; restart"
        chown nobody "$KEY"
    else
        fail "[tls] ward serve --config starts" "${err:-did not come up}"
        serve_dump tls
        finish
    fi
    [ "$tls_attempt" -le 3 ] || { serve_dump tls; finish; }
    serve_start tls --config "$TLS_DIR/ward.toml"
done
pass "[tls] ward serve --config starts (REST https :$REST_PORT, gRPC TLS :$GRPC_PORT)" \
    "$([ "$tls_attempt" = 1 ] && echo 'first try' || echo "attempt $tls_attempt, after the workarounds above")"

if grep -q '^token:' "$SERVE_TMP/tls.stdout" 2>/dev/null; then
    fail "[tls] --config mode prints no generated token" "stdout has a token: line"
else
    pass "[tls] --config mode prints no generated token"
fi
code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$REST_PORT/v1/models/mlp" || true)"
if [ "$code" = 000 ] || [ "$code" = 400 ]; then
    pass "[tls] cleartext HTTP to the TLS REST port is not served" "curl http:// -> $([ "$code" = 000 ] && echo 'connection error' || echo "HTTP $code")"
else
    fail "[tls] cleartext HTTP to the TLS REST port is not served" "curl http:// -> HTTP $code"
fi
code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "https://127.0.0.1:$REST_PORT/v1/models/mlp" || true)"
if [ "$code" = 000 ]; then
    pass "[tls] https without trusting the self-signed cert fails verification" "curl exit, no HTTP"
else
    fail "[tls] https without trusting the self-signed cert fails verification" "HTTP $code"
fi

# REST over HTTP/2 (ALPN h2) works for a normal request...
BODY="$(serve_predict_body)"
h2="$(curl -sS --http2 --cacert "$CERT" -o "$SERVE_TMP/h2.json" -w '%{http_code} %{http_version}' \
    -H "Authorization: Bearer $FULL_TOKEN" -H 'Content-Type: application/json' \
    --data-binary "$BODY" "https://127.0.0.1:$REST_PORT/v1/models/mlp:predict" 2>&1)"
if [ "$h2" = "200 2" ] && grep -q '"predictions"' "$SERVE_TMP/h2.json"; then
    pass "[tls] REST predict over HTTP/2 (ALPN h2)" "HTTP $h2"
else
    fail "[tls] REST predict over HTTP/2 (ALPN h2)" "got '$h2' $(head -c 200 "$SERVE_TMP/h2.json" 2>/dev/null)"
fi
# ...but the suite runs curl with --http1.1 (TF Serving's REST is HTTP/1.1):
# curl 7.88 over h2 reports error 92 when the server answers early (401/403/
# 404 before reading the body) and closes the stream with RST_STREAM(NO_ERROR),
# which RFC 9113 8.1 allows; Node's http2 client reads those answers fine.
TOKEN="$FULL_TOKEN"
WARD_LIMITED_TOKEN="$LIMITED_TOKEN" run_py tls --rest "https://127.0.0.1:$REST_PORT" \
    --grpc "127.0.0.1:$GRPC_PORT" --cacert "$CERT" --model mlp --fixture "$FIXTURE" --label tls \
    --labels stable=1 --curl-opt=--http1.1

if [ -s "$SERVE_TMP/tls.audit.log" ]; then
    n="$(wc -l <"$SERVE_TMP/tls.audit.log")"
    if grep -q 'status-only' "$SERVE_TMP/tls.audit.log" && grep -q 'client' "$SERVE_TMP/tls.audit.log"; then
        pass "[tls] audit log names the identities" "$n lines; e.g. $(grep -m1 'status-only' "$SERVE_TMP/tls.audit.log" | head -c 300)"
    else
        fail "[tls] audit log names the identities" "$n lines, no identity names; e.g. $(head -n1 "$SERVE_TMP/tls.audit.log" | head -c 300)"
    fi
else
    fail "[tls] audit log names the identities" "$SERVE_TMP/tls.audit.log is empty or missing"
fi
server_checks tls "$FULL_TOKEN" "$LIMITED_TOKEN"
[ -s "$SERVE_TMP/tls.audit.log" ] && audit_checks tls "$SERVE_TMP/tls.audit.log"
stop_server tls
finish

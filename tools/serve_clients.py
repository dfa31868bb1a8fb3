#!/usr/bin/env python3
"""Exercise a running `ward serve` with real external clients.

REST checks shell out to curl (each command is printed, the token shown as
$TOKEN); gRPC checks use TensorFlow Serving's own Python client
(`tensorflow_serving.apis`, PyPI tensorflow-serving-api) over grpcio.

Normally started by tools/serve_clients.sh, which builds ward, starts
`ward serve` on free loopback ports and passes:

    WARD_TOKEN=<token> python tools/serve_clients.py \
        --rest http://127.0.0.1:PORT --grpc 127.0.0.1:PORT --model mlp \
        --fixture tests/fixtures/models/mlp

Prints one `PASS name` / `FAIL name: expected ..., got ...` line per check
(and `WARN` lines for differences from TF Serving that do not fail a check),
then `serve_clients.py: N passed, N failed`. Exit 1 on any failure.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

import numpy as np

ATOL = 1e-5

results: list[tuple[str, bool, str]] = []
warnings: list[str] = []


LABEL = ""


def record(name: str, ok: bool, detail: str = "") -> bool:
    name = LABEL + name
    results.append((name, ok, detail))
    if ok:
        print(f"PASS {name}" + (f"  ({detail})" if detail else ""), flush=True)
    else:
        print(f"FAIL {name}: {detail}", flush=True)
    return ok


def warn(name: str, detail: str) -> None:
    name = LABEL + name
    warnings.append(f"{name}: {detail}")
    print(f"WARN {name}: {detail}", flush=True)


def short(s: str | bytes, n: int = 300) -> str:
    if isinstance(s, bytes):
        s = s.decode("utf-8", "replace")
    s = s.replace("\n", "\\n")
    return s if len(s) <= n else s[:n] + f"...(+{len(s) - n} chars)"


def close(a, b) -> tuple[bool, str]:
    try:
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError) as e:
        return False, f"not numeric: {e}"
    if a.shape != b.shape:
        return False, f"shape {a.shape} != expected {b.shape}"
    d = float(np.max(np.abs(a - b))) if a.size else 0.0
    return d <= ATOL, f"max|diff|={d:.3g}"


# --------------------------------------------------------------------------- REST


class Rest:
    def __init__(self, base: str, token: str, cacert: str | None, curl_opts: list[str] | None = None):
        self.base = base.rstrip("/")
        self.token = token
        self.cacert = cacert
        self.curl_opts = list(curl_opts or [])
        self.tmp = tempfile.mkdtemp(prefix="ward_rest_")

    def call(self, method: str, path: str, body=None, token: str | None = "default",
             raw_body: str | None = None, headers: list[str] | None = None):
        """Returns (status:int, text:str, json_or_None, headers_text)."""
        if token == "default":
            token = self.token
        out = os.path.join(self.tmp, "body")
        hdr = os.path.join(self.tmp, "headers")
        cmd = ["curl", "-sS", "--max-time", "30", "-o", out, "-D", hdr,
               "-w", "%{http_code}", "-X", method]
        shown = ["curl", "-X", method]  # printed without the -o/-D/-w plumbing
        cmd += self.curl_opts
        shown += self.curl_opts
        if self.cacert:
            cmd += ["--cacert", self.cacert]
            shown += ["--cacert", self.cacert]
        if token is not None:
            cmd += ["-H", f"Authorization: Bearer {token}"]
            if token == self.token:
                label = "$TOKEN"
            elif len(token) == len(self.token) and token[:-1] == self.token[:-1]:
                label = "${TOKEN%?}" + token[-1]  # the token with its last char changed
            else:
                label = token
            shown += ["-H", f"Authorization: Bearer {label}"]
        for h in headers or []:
            cmd += ["-H", h]
            shown += ["-H", h.replace(self.token, "$TOKEN")]
        data = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
        if data is not None:
            cmd += ["-H", "Content-Type: application/json", "--data-binary", data]
            shown += ["-H", "Content-Type: application/json", "--data-binary",
                      data if len(data) < 120 else data[:100] + "...'"]
        url = self.base + path
        cmd.append(url)
        shown.append(url)
        print("  $ " + " ".join(shlex.quote(c) for c in shown), flush=True)
        for p in (out, hdr):
            if os.path.exists(p):
                os.unlink(p)
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            return None, f"curl exit {p.returncode}: {p.stderr.strip()}", None, ""
        status = int(p.stdout.strip() or 0)
        text = open(out, encoding="utf-8", errors="replace").read() if os.path.exists(out) else ""
        htext = open(hdr, encoding="utf-8", errors="replace").read() if os.path.exists(hdr) else ""
        try:
            js = json.loads(text) if text else None
        except json.JSONDecodeError:
            js = None
        return status, text, js, htext


def check_status(name, got, text, want) -> bool:
    wants = want if isinstance(want, (list, tuple, set)) else [want]
    if got in wants:
        return True
    record(name, False, f"expected HTTP {'/'.join(map(str, wants))}, got {got}: {short(text)}")
    return False


def check_error_body(name, js, text):
    """TF Serving errors are {"error": "<message>"}."""
    if not (isinstance(js, dict) and isinstance(js.get("error"), str)):
        warn(name, f'error body is not TF Serving\'s {{"error": "..."}} shape: {short(text, 200)}')


def rest_checks(rest: Rest, model: str, x: np.ndarray, probs: np.ndarray, in_name: str,
                out_name: str, labels: dict[str, int]):
    m = f"/v1/models/{model}"

    # --- model status
    name = "rest status GET /v1/models/NAME"
    st, text, js, _ = rest.call("GET", m)
    if check_status(name, st, text, 200):
        try:
            mvs = js["model_version_status"]
            states = [(v.get("version"), v.get("state")) for v in mvs]
            ok = any(s == "AVAILABLE" for _, s in states)
            record(name, ok, f"model_version_status={states}" if ok else
                   f"expected a version with state AVAILABLE, got {short(text)}")
            for v in mvs:
                if not isinstance(v.get("version"), str):
                    warn(name, f"version is {v.get('version')!r} ({type(v.get('version')).__name__}); "
                         "TF Serving emits int64 as a JSON string (\"1\")")
                st_ = v.get("status", {})
                if st_.get("error_code") not in ("OK", None):
                    warn(name, f"status.error_code={st_.get('error_code')!r}, TF Serving says \"OK\"")
        except (KeyError, TypeError) as e:
            record(name, False, f"expected {{model_version_status:[{{version,state,status}}]}}, "
                   f"got {short(text)} ({e!r})")

    name = "rest status GET /v1/models/NAME/versions/1"
    st, text, js, _ = rest.call("GET", f"{m}/versions/1")
    if check_status(name, st, text, 200):
        try:
            vs = [v.get("version") for v in js["model_version_status"]]
            record(name, [str(v) for v in vs] == ["1"], f"versions={vs}")
        except (KeyError, TypeError) as e:
            record(name, False, f"bad shape {short(text)} ({e!r})")

    name = "rest status unknown version /versions/7 -> 404"
    st, text, js, _ = rest.call("GET", f"{m}/versions/7")
    if check_status(name, st, text, 404):
        record(name, True)
        check_error_body(name, js, text)

    # --- metadata
    name = "rest metadata GET /v1/models/NAME/metadata"
    st, text, js, _ = rest.call("GET", f"{m}/metadata")
    if check_status(name, st, text, 200):
        try:
            spec = js["model_spec"]
            sigs = js["metadata"]["signature_def"]["signature_def"]
            sd = sigs["serving_default"]
            xin = sd["inputs"][in_name]
            pout = sd["outputs"][out_name]
            dims = [int(d["size"]) for d in xin["tensor_shape"]["dim"]]
            odims = [int(d["size"]) for d in pout["tensor_shape"]["dim"]]
            problems = []
            if spec.get("name") != model:
                problems.append(f"model_spec.name={spec.get('name')!r}")
            if str(spec.get("version")) != "1":
                problems.append(f"model_spec.version={spec.get('version')!r}")
            if xin.get("dtype") != "DT_FLOAT":
                problems.append(f"inputs.{in_name}.dtype={xin.get('dtype')!r}")
            if dims != [-1, x.shape[1]]:
                problems.append(f"inputs.{in_name} dims={dims}")
            if odims != [-1, probs.shape[1]]:
                problems.append(f"outputs.{out_name} dims={odims}")
            if sd.get("method_name") != "tensorflow/serving/predict":
                problems.append(f"method_name={sd.get('method_name')!r}")
            record(name, not problems,
                   "; ".join(problems) if problems else
                   f"signatures={sorted(sigs)}, {in_name}: DT_FLOAT {dims}, {out_name}: {odims}")
            if "__saved_model_init_op" in sigs:
                warn(name, "signature_def includes __saved_model_init_op (TF Serving filters it out)")
            if not isinstance(spec.get("version"), str):
                warn(name, f"model_spec.version is {spec.get('version')!r}, TF Serving emits \"1\"")
        except (KeyError, TypeError, ValueError) as e:
            record(name, False, "expected {model_spec:{name,version,...}, metadata:{signature_def:"
                   f"{{signature_def:{{serving_default:{{inputs,outputs,method_name}}}}}}}}}}, got "
                   f"{short(text, 600)} ({e!r})")

    # --- predict, row format
    rows = x.tolist()

    def predict_check(name, path, body, key):
        st, text, js, _ = rest.call("POST", path, body)
        if not check_status(name, st, text, 200):
            return
        if not isinstance(js, dict) or key not in js:
            record(name, False, f"expected JSON object with key {key!r}, got {short(text)}")
            return
        got = js[key]
        if isinstance(got, dict):
            # Single-output models: TF Serving returns the bare list, not {name: list}.
            warn(name, f"{key} is an object {list(got)}; TF Serving returns a bare list for a "
                 "single-output signature")
            got = got.get(out_name)
        ok, d = close(got, probs)
        record(name, ok, d)

    predict_check("rest predict row format {instances: [[...]...]}", f"{m}:predict",
                  {"instances": rows}, "predictions")
    predict_check("rest predict row format named {signature_name, instances: [{x: [...]}]}",
                  f"{m}:predict",
                  {"signature_name": "serving_default",
                   "instances": [{in_name: r} for r in rows]}, "predictions")
    predict_check("rest predict columnar {inputs: {x: [[...]]}}", f"{m}:predict",
                  {"inputs": {in_name: rows}}, "outputs")
    predict_check("rest predict columnar unnamed {inputs: [[...]]}", f"{m}:predict",
                  {"inputs": rows}, "outputs")
    predict_check("rest predict /versions/1:predict", f"{m}/versions/1:predict",
                  {"instances": rows}, "predictions")

    for label, version in labels.items():
        name = f"rest GET /v1/models/NAME/labels/{label} -> version {version}"
        st, text, js, _ = rest.call("GET", f"{m}/labels/{label}")
        if check_status(name, st, text, 200):
            vs = [str(v.get("version")) for v in (js or {}).get("model_version_status", [])]
            record(name, vs == [str(version)], f"versions={vs}")
        predict_check(f"rest predict /labels/{label}:predict", f"{m}/labels/{label}:predict",
                      {"instances": rows}, "predictions")

    name = "rest predict one row matches row 0"
    st, text, js, _ = rest.call("POST", f"{m}:predict", {"instances": rows[:1]})
    if check_status(name, st, text, 200):
        ok, d = close((js or {}).get("predictions"), probs[:1])
        record(name, ok, d)

    # --- labels: an unknown label -> a 4xx, never 200/5xx
    name = "rest /labels/canary (label not configured) -> 4xx"
    st, text, js, _ = rest.call("GET", f"{m}/labels/canary")
    if st is not None and 400 <= st < 500:
        record(name, True, f"HTTP {st}")
    else:
        record(name, False, f"expected HTTP 4xx, got {st}: {short(text)}")

    # --- bad input
    name = "rest predict wrong inner dim (19 instead of 20) -> 400"
    st, text, js, _ = rest.call("POST", f"{m}:predict", {"instances": [r[:-1] for r in rows]})
    if check_status(name, st, text, 400):
        record(name, True, short((js or {}).get("error", text), 120))
        check_error_body(name, js, text)

    name = "rest predict malformed JSON -> 400"
    st, text, js, _ = rest.call("POST", f"{m}:predict", raw_body='{"instances": [[1,2,')
    if check_status(name, st, text, 400):
        record(name, True)
        check_error_body(name, js, text)

    name = "rest predict neither instances nor inputs -> 400"
    st, text, js, _ = rest.call("POST", f"{m}:predict", {"foo": 1})
    if check_status(name, st, text, 400):
        record(name, True)
        check_error_body(name, js, text)

    name = "rest predict unknown signature_name -> 400/404"
    st, text, js, _ = rest.call("POST", f"{m}:predict",
                                {"signature_name": "nope", "instances": rows})
    if check_status(name, st, text, (400, 404)):
        record(name, True, f"HTTP {st}")

    # --- auth
    for label, tok, path, meth, body in [
        ("no token", None, f"{m}:predict", "POST", {"instances": rows}),
        ("bad token", "not-the-token", f"{m}:predict", "POST", {"instances": rows}),
        ("token with one char changed", rest.token[:-1] + ("A" if rest.token[-1] != "A" else "B"),
         f"{m}:predict", "POST", {"instances": rows}),
        ("no token", None, m, "GET", None),
        ("no token", None, f"{m}/metadata", "GET", None),
    ]:
        name = f"rest {meth} {path.replace(model, 'NAME')} {label} -> 401"
        st, text, js, hdrs = rest.call(meth, path, body, token=tok)
        if check_status(name, st, text, 401):
            record(name, True)
            if "www-authenticate" not in hdrs.lower():
                warn(name, "401 without a WWW-Authenticate header (RFC 6750 says Bearer)")

    name = "rest non-Bearer scheme (Basic) -> 401"
    st, text, js, _ = rest.call("GET", m, token=None,
                                headers=[f"Authorization: Basic {rest.token}"])
    if check_status(name, st, text, 401):
        record(name, True)

    name = "rest unknown model -> 404 (or 403)"
    st, text, js, _ = rest.call("POST", "/v1/models/no_such_model:predict", {"instances": rows})
    if check_status(name, st, text, (404, 403)):
        record(name, True, f"HTTP {st}")
        check_error_body(name, js, text)

    name = "rest unknown model GET status -> 404 (or 403)"
    st, text, js, _ = rest.call("GET", "/v1/models/no_such_model")
    if check_status(name, st, text, (404, 403)):
        record(name, True, f"HTTP {st}")

    name = "rest unknown model without token -> 401 (auth before lookup)"
    st, text, js, _ = rest.call("GET", "/v1/models/no_such_model", token=None)
    if check_status(name, st, text, 401):
        record(name, True)

    # --- prometheus
    name = "rest GET /monitoring/prometheus/metrics"
    st, text, js, hdrs = rest.call("GET", "/monitoring/prometheus/metrics")
    if check_status(name, st, text, 200):
        lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
        ok = ("# TYPE" in text or "# HELP" in text) and len(lines) > 0
        record(name, ok, f"{len(lines)} samples, e.g. {short(lines[0], 100) if lines else ''}"
               if ok else f"not Prometheus text exposition: {short(text)}")
    name = "rest GET /monitoring/prometheus/metrics without token"
    st, text, js, _ = rest.call("GET", "/monitoring/prometheus/metrics", token=None)
    # Either policy is defensible; report which one the server has.
    record(name, st in (200, 401), f"HTTP {st} ({'public' if st == 200 else 'requires token'})")


# --------------------------------------------------------------------------- gRPC


def grpc_checks(target: str, token: str, model: str, x: np.ndarray, probs: np.ndarray,
                in_name: str, out_name: str, cacert: str | None, labels: dict[str, int]):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import grpc
    import tensorflow as tf
    from tensorflow_serving.apis import (get_model_metadata_pb2, get_model_status_pb2,
                                         model_management_pb2, model_service_pb2_grpc,
                                         predict_pb2, prediction_service_pb2_grpc)

    if cacert:
        creds = grpc.ssl_channel_credentials(root_certificates=open(cacert, "rb").read())
        channel = grpc.secure_channel(target, creds)
        print(f"  grpc.secure_channel({target!r}, root={cacert})", flush=True)
    else:
        channel = grpc.insecure_channel(target)
        print(f"  grpc.insecure_channel({target!r})", flush=True)
    try:
        grpc.channel_ready_future(channel).result(timeout=15)
    except grpc.FutureTimeoutError:
        record("grpc channel ready", False, f"could not connect to {target} in 15 s")
        return
    pred = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    msvc = model_service_pb2_grpc.ModelServiceStub(channel)
    md = [("authorization", "Bearer " + token)]

    def predict_req(name=model, version=None, sig="serving_default", arr=x, label=None):
        r = predict_pb2.PredictRequest()
        r.model_spec.name = name
        if sig is not None:
            r.model_spec.signature_name = sig
        if version is not None:
            r.model_spec.version.value = version
        if label is not None:
            r.model_spec.version_label = label
        r.inputs[in_name].CopyFrom(tf.make_tensor_proto(arr))
        return r

    def call(fn, req, metadata=md):
        try:
            return fn(req, metadata=metadata, timeout=30), None
        except grpc.RpcError as e:
            return None, e

    def err(e):
        return f"{e.code().name}: {short(e.details() or '', 200)}"

    # --- Predict
    for label, kwargs in [("", {}), (" model_spec.version=1", {"version": 1}),
                          (" empty signature_name (default)", {"sig": None})]:
        name = f"grpc Predict{label}"
        resp, e = call(pred.Predict, predict_req(**kwargs))
        if e:
            record(name, False, f"expected OK, got {err(e)}")
            continue
        if out_name not in resp.outputs:
            record(name, False, f"outputs keys {list(resp.outputs)} lack {out_name!r}")
            continue
        got = tf.make_ndarray(resp.outputs[out_name])
        ok, d = close(got, probs)
        extra = f"dtype={got.dtype}, model_spec=({resp.model_spec.name!r}, v{resp.model_spec.version.value}, {resp.model_spec.signature_name!r})"
        if got.dtype != np.float32:
            ok, d = False, d + f"; dtype {got.dtype} != float32"
        record(name, ok, f"{d}, {extra}")
        if resp.model_spec.name != model or resp.model_spec.version.value != 1:
            warn(name, f"response model_spec {resp.model_spec} (TF Serving fills name and version)")

    for label, version in labels.items():
        name = f"grpc Predict model_spec.version_label={label!r}"
        resp, e = call(pred.Predict, predict_req(label=label))
        if e:
            record(name, False, f"expected OK, got {err(e)}")
        else:
            ok, d = close(tf.make_ndarray(resp.outputs[out_name]), probs)
            v = resp.model_spec.version.value
            record(name, ok and v == version, f"{d}, answered by version {v}")
    name = "grpc Predict unknown version_label 'canary' -> error"
    resp, e = call(pred.Predict, predict_req(label="canary"))
    record(name, e is not None and e.code() in (grpc.StatusCode.NOT_FOUND,
                                                 grpc.StatusCode.INVALID_ARGUMENT,
                                                 grpc.StatusCode.FAILED_PRECONDITION),
           err(e) if e else "expected an error, got OK")

    name = "grpc Predict wrong shape -> INVALID_ARGUMENT"
    resp, e = call(pred.Predict, predict_req(arr=x[:, :-1]))
    record(name, e is not None and e.code() == grpc.StatusCode.INVALID_ARGUMENT,
           err(e) if e else "expected INVALID_ARGUMENT, got OK")

    name = "grpc Predict wrong dtype (float64) -> INVALID_ARGUMENT"
    resp, e = call(pred.Predict, predict_req(arr=x.astype(np.float64)))
    record(name, e is not None and e.code() == grpc.StatusCode.INVALID_ARGUMENT,
           err(e) if e else "expected INVALID_ARGUMENT, got OK")

    name = "grpc Predict unknown model -> NOT_FOUND (or PERMISSION_DENIED)"
    resp, e = call(pred.Predict, predict_req(name="no_such_model"))
    record(name, e is not None and e.code() in (grpc.StatusCode.NOT_FOUND,
                                                 grpc.StatusCode.PERMISSION_DENIED),
           err(e) if e else "expected NOT_FOUND, got OK")

    name = "grpc Predict unknown version 7 -> NOT_FOUND"
    resp, e = call(pred.Predict, predict_req(version=7))
    record(name, e is not None and e.code() == grpc.StatusCode.NOT_FOUND,
           err(e) if e else "expected NOT_FOUND, got OK")

    # TF Serving: FAILED_PRECONDITION "Serving signature name: ... not found".
    name = "grpc Predict unknown signature -> INVALID_ARGUMENT/NOT_FOUND/FAILED_PRECONDITION"
    resp, e = call(pred.Predict, predict_req(sig="nope"))
    record(name, e is not None and e.code() in (grpc.StatusCode.INVALID_ARGUMENT,
                                                 grpc.StatusCode.NOT_FOUND,
                                                 grpc.StatusCode.FAILED_PRECONDITION),
           err(e) if e else "expected an error, got OK")

    # --- auth
    for label, mdv in [("no token", []), ("bad token", [("authorization", "Bearer nope")]),
                       ("no Bearer prefix", [("authorization", token)])]:
        name = f"grpc Predict {label} -> UNAUTHENTICATED"
        resp, e = call(pred.Predict, predict_req(), metadata=mdv)
        record(name, e is not None and e.code() == grpc.StatusCode.UNAUTHENTICATED,
               err(e) if e else "expected UNAUTHENTICATED, got OK")

    name = "grpc GetModelStatus no token -> UNAUTHENTICATED"
    r = get_model_status_pb2.GetModelStatusRequest()
    r.model_spec.name = model
    resp, e = call(msvc.GetModelStatus, r, metadata=[])
    record(name, e is not None and e.code() == grpc.StatusCode.UNAUTHENTICATED,
           err(e) if e else "expected UNAUTHENTICATED, got OK")

    # --- GetModelMetadata
    name = "grpc GetModelMetadata metadata_field=[signature_def]"
    r = get_model_metadata_pb2.GetModelMetadataRequest()
    r.model_spec.name = model
    r.metadata_field.append("signature_def")
    resp, e = call(pred.GetModelMetadata, r)
    if e:
        record(name, False, f"expected OK, got {err(e)}")
    else:
        try:
            sdm = get_model_metadata_pb2.SignatureDefMap()
            if not resp.metadata["signature_def"].Unpack(sdm):
                raise ValueError(f"Any type_url {resp.metadata['signature_def'].type_url!r} "
                                 "is not tensorflow.serving.SignatureDefMap")
            sd = sdm.signature_def["serving_default"]
            ti = sd.inputs[in_name]
            dims = [d.size for d in ti.tensor_shape.dim]
            odims = [d.size for d in sd.outputs[out_name].tensor_shape.dim]
            problems = []
            if ti.dtype != tf.float32.as_datatype_enum:
                problems.append(f"dtype={ti.dtype}")
            if dims != [-1, x.shape[1]]:
                problems.append(f"input dims={dims}")
            if odims != [-1, probs.shape[1]]:
                problems.append(f"output dims={odims}")
            if sd.method_name != "tensorflow/serving/predict":
                problems.append(f"method_name={sd.method_name!r}")
            if resp.model_spec.name != model or resp.model_spec.version.value != 1:
                problems.append(f"model_spec=({resp.model_spec.name!r}, v{resp.model_spec.version.value})")
            record(name, not problems, "; ".join(problems) if problems else
                   f"signatures={sorted(sdm.signature_def)}, {in_name} {dims}, {out_name} {odims}")
        except (KeyError, ValueError) as ex:
            record(name, False, f"bad response: {ex!r}; {short(str(resp), 300)}")

    name = "grpc GetModelMetadata unsupported field -> INVALID_ARGUMENT"
    r = get_model_metadata_pb2.GetModelMetadataRequest()
    r.model_spec.name = model
    r.metadata_field.append("bogus_field")
    resp, e = call(pred.GetModelMetadata, r)
    record(name, e is not None and e.code() == grpc.StatusCode.INVALID_ARGUMENT,
           err(e) if e else "expected INVALID_ARGUMENT (TF Serving), got OK")

    # --- GetModelStatus
    name = "grpc GetModelStatus"
    r = get_model_status_pb2.GetModelStatusRequest()
    r.model_spec.name = model
    resp, e = call(msvc.GetModelStatus, r)
    if e:
        record(name, False, f"expected OK, got {err(e)}")
    else:
        vs = [(v.version, get_model_status_pb2.ModelVersionStatus.State.Name(v.state),
               v.status.error_code) for v in resp.model_version_status]
        ok = any(v == 1 and s == "AVAILABLE" for v, s, _ in vs)
        record(name, ok, f"model_version_status={vs}")

    name = "grpc GetModelStatus unknown model -> NOT_FOUND (or PERMISSION_DENIED)"
    r = get_model_status_pb2.GetModelStatusRequest()
    r.model_spec.name = "no_such_model"
    resp, e = call(msvc.GetModelStatus, r)
    record(name, e is not None and e.code() in (grpc.StatusCode.NOT_FOUND,
                                                 grpc.StatusCode.PERMISSION_DENIED),
           err(e) if e else "expected NOT_FOUND, got OK")

    # --- HandleReloadConfigRequest must be refused
    name = "grpc HandleReloadConfigRequest -> refused"
    r = model_management_pb2.ReloadConfigRequest()
    mc = r.config.model_config_list.config.add()
    mc.name = "evil"
    mc.base_path = "/etc"
    mc.model_platform = "tensorflow"
    resp, e = call(msvc.HandleReloadConfigRequest, r)
    if e is not None:
        record(name, e.code() in (grpc.StatusCode.PERMISSION_DENIED,
                                  grpc.StatusCode.UNIMPLEMENTED,
                                  grpc.StatusCode.FAILED_PRECONDITION),
               err(e))
    else:
        # TF Serving reports failure inside the response's status field.
        code = resp.status.error_code
        record(name, code != 0, f"gRPC OK with status.error_code={code} "
               f"{short(resp.status.error_message, 100)!r}" + ("" if code else
                                                               " (reload ACCEPTED)"))

    name = "grpc HandleReloadConfigRequest no token -> UNAUTHENTICATED"
    resp, e = call(msvc.HandleReloadConfigRequest, r, metadata=[])
    record(name, e is not None and e.code() == grpc.StatusCode.UNAUTHENTICATED,
           err(e) if e else "expected UNAUTHENTICATED, got OK")

    # Model still served after the refused reload.
    name = "grpc Predict still works after refused reload"
    resp, e = call(pred.Predict, predict_req())
    if e:
        record(name, False, err(e))
    else:
        ok, d = close(tf.make_ndarray(resp.outputs[out_name]), probs)
        record(name, ok, d)

    # --- health
    try:
        from grpc_health.v1 import health_pb2, health_pb2_grpc
    except ImportError:
        print("SKIP grpc health (grpcio-health-checking not installed)", flush=True)
        return
    hs = health_pb2_grpc.HealthStub(channel)
    for label, mdv in [("with token", md), ("without token", [])]:
        for svc in ["", "tensorflow.serving.PredictionService"]:
            name = f"grpc Health.Check service={svc!r} {label}"
            resp, e = call(hs.Check, health_pb2.HealthCheckRequest(service=svc), metadata=mdv)
            if e:
                if label == "without token" and e.code() == grpc.StatusCode.UNAUTHENTICATED:
                    record(name, True, "requires a token (UNAUTHENTICATED)")
                elif svc and e.code() == grpc.StatusCode.NOT_FOUND:
                    record(name, True, "NOT_FOUND (per-service status not registered)")
                else:
                    record(name, False, f"expected SERVING, got {err(e)}")
            else:
                st = health_pb2.HealthCheckResponse.ServingStatus.Name(resp.status)
                record(name, st == "SERVING", st)
    channel.close()


# --------------------------------------------------------------------------- authorization


def authz_checks(rest: Rest | None, target: str | None, limited_token: str, model: str,
                 x: np.ndarray, cacert: str | None):
    """An identity granted only `status` on the model: status works, predict
    and metadata are refused with 403 / PERMISSION_DENIED (not 401)."""
    m = f"/v1/models/{model}"
    if rest:
        lim = Rest(rest.base, limited_token, cacert, rest.curl_opts)
        lim.token = limited_token
        name = "authz rest status-only identity: GET status -> 200"
        st, text, js, _ = lim.call("GET", m)
        if check_status(name, st, text, 200):
            record(name, True)
        for label, meth, path, body in [
            ("POST :predict", "POST", f"{m}:predict", {"instances": x.tolist()}),
            ("GET metadata", "GET", f"{m}/metadata", None),
        ]:
            name = f"authz rest status-only identity: {label} -> 403"
            st, text, js, _ = lim.call(meth, path, body)
            if check_status(name, st, text, 403):
                record(name, True, short((js or {}).get("error", text), 120))
        name = "authz rest status-only identity: unknown model -> 403/404"
        st, text, js, _ = lim.call("POST", "/v1/models/no_such_model:predict",
                                   {"instances": x.tolist()})
        if check_status(name, st, text, (403, 404)):
            record(name, True, f"HTTP {st}")
        name = "authz rest status-only identity: prometheus (metrics=false) -> 403"
        st, text, js, _ = lim.call("GET", "/monitoring/prometheus/metrics")
        if check_status(name, st, text, 403):
            record(name, True)
    if target:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import grpc
        import tensorflow as tf
        from tensorflow_serving.apis import (get_model_metadata_pb2, get_model_status_pb2,
                                             model_service_pb2_grpc, predict_pb2,
                                             prediction_service_pb2_grpc)
        if cacert:
            channel = grpc.secure_channel(target, grpc.ssl_channel_credentials(
                root_certificates=open(cacert, "rb").read()))
        else:
            channel = grpc.insecure_channel(target)
        md = [("authorization", "Bearer " + limited_token)]
        pred = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        msvc = model_service_pb2_grpc.ModelServiceStub(channel)

        def code(fn, req):
            try:
                fn(req, metadata=md, timeout=30)
                return "OK", ""
            except grpc.RpcError as e:
                return e.code().name, short(e.details() or "", 120)

        r = get_model_status_pb2.GetModelStatusRequest()
        r.model_spec.name = model
        c, d = code(msvc.GetModelStatus, r)
        record("authz grpc status-only identity: GetModelStatus -> OK", c == "OK", f"{c} {d}")
        r = predict_pb2.PredictRequest()
        r.model_spec.name = model
        r.inputs["x"].CopyFrom(tf.make_tensor_proto(x))
        c, d = code(pred.Predict, r)
        record("authz grpc status-only identity: Predict -> PERMISSION_DENIED",
               c == "PERMISSION_DENIED", f"{c} {d}")
        r = get_model_metadata_pb2.GetModelMetadataRequest()
        r.model_spec.name = model
        r.metadata_field.append("signature_def")
        c, d = code(pred.GetModelMetadata, r)
        record("authz grpc status-only identity: GetModelMetadata -> PERMISSION_DENIED",
               c == "PERMISSION_DENIED", f"{c} {d}")
        channel.close()


# --------------------------------------------------------------------------- cancellation


def cancel_checks(rest: Rest | None, target: str | None, token: str, model: str,
                  x: np.ndarray, probs: np.ndarray, cacert: str | None):
    """Clients that give up mid-request (gRPC cancel / deadline, a closed HTTP
    connection) must not take the model down. Runs last: a failure here can
    leave the model unusable."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import socket
    import ssl
    from urllib.parse import urlparse
    if target:
        import grpc
        import tensorflow as tf
        from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc
        if cacert:
            channel = grpc.secure_channel(target, grpc.ssl_channel_credentials(
                root_certificates=open(cacert, "rb").read()))
        else:
            channel = grpc.insecure_channel(target)
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        md = [("authorization", "Bearer " + token)]
        r = predict_pb2.PredictRequest()
        r.model_spec.name = model
        r.inputs["x"].CopyFrom(tf.make_tensor_proto(x))
        for i in range(20):
            stub.Predict.future(r, metadata=md, timeout=30).cancel()
        time.sleep(0.5)
        name = "cancel grpc: Predict works after 20 client-cancelled Predicts"
        try:
            resp = stub.Predict(r, metadata=md, timeout=30)
            ok, d = close(tf.make_ndarray(resp.outputs["probs"]), probs)
            record(name, ok, d)
        except grpc.RpcError as e:
            record(name, False, f"expected OK, got {e.code().name}: {short(e.details() or '', 150)}")
        channel.close()
    if rest:
        u = urlparse(rest.base)
        body = json.dumps({"instances": x.tolist()}).encode()
        req = (f"POST /v1/models/{model}:predict HTTP/1.1\r\nHost: {u.hostname}\r\n"
               f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        ctx = None
        if u.scheme == "https":
            ctx = ssl.create_default_context(cafile=cacert)
        for i in range(20):
            s = socket.create_connection((u.hostname, u.port), timeout=10)
            if ctx:
                s = ctx.wrap_socket(s, server_hostname=u.hostname)
            s.sendall(req)
            s.close()  # gone before the answer
        time.sleep(0.5)
        name = "cancel rest: predict works after 20 requests whose clients hung up"
        st, text, js, _ = rest.call("POST", f"/v1/models/{model}:predict", {"instances": x.tolist()})
        if check_status(name, st, text, 200):
            ok, d = close((js or {}).get("predictions"), probs)
            record(name, ok, d)


# --------------------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rest", help="REST base URL, e.g. http://127.0.0.1:8501")
    ap.add_argument("--grpc", help="gRPC target, e.g. 127.0.0.1:8500")
    ap.add_argument("--model", default="mlp")
    ap.add_argument("--fixture", default="tests/fixtures/models/mlp",
                    help="dir with inputs/x.npy and expected/probs.npy")
    ap.add_argument("--cacert", help="CA/self-signed cert for https:// and a TLS gRPC channel")
    ap.add_argument("--token", help="bearer token (default: $WARD_TOKEN)")
    ap.add_argument("--limited-token",
                    help="token of an identity granted only `status` on the model "
                         "(default: $WARD_LIMITED_TOKEN); enables the 403 checks")
    ap.add_argument("--label", default="", help="prefix for check names, e.g. 'tls'")
    ap.add_argument("--labels", default="",
                    help="version labels the server has for the model, e.g. stable=1 (comma list)")
    ap.add_argument("--no-cancel", action="store_true",
                    help="skip the client-cancellation checks")
    ap.add_argument("--curl-opt", action="append", default=[],
                    help="extra curl option for every REST call (repeatable), e.g. --curl-opt=--http1.1")
    a = ap.parse_args()
    token = a.token or os.environ.get("WARD_TOKEN")
    if not token:
        print("no token: pass --token or set WARD_TOKEN", file=sys.stderr)
        return 2
    labels = {k: int(v) for k, v in (p.split("=") for p in a.labels.split(",") if p)}
    global LABEL
    LABEL = f"[{a.label}] " if a.label else ""
    x = np.load(os.path.join(a.fixture, "inputs", "x.npy"))
    probs = np.load(os.path.join(a.fixture, "expected", "probs.npy"))
    t0 = time.time()
    if a.rest:
        print(f"== REST (curl) against {a.rest}", flush=True)
        rest_checks(Rest(a.rest, token, a.cacert, a.curl_opt), a.model, x, probs, "x", "probs",
                    labels)
    if a.grpc:
        print(f"== gRPC (tensorflow_serving.apis) against {a.grpc}", flush=True)
        try:
            grpc_checks(a.grpc, token, a.model, x, probs, "x", "probs", a.cacert, labels)
        except Exception as e:  # an unexpected client-side exception is a failure, not a crash
            import traceback
            traceback.print_exc()
            record("grpc checks ran to completion", False, repr(e))
    limited = a.limited_token or os.environ.get("WARD_LIMITED_TOKEN")
    if limited:
        print("== authorization (identity granted only `status`)", flush=True)
        try:
            authz_checks(Rest(a.rest, token, a.cacert, a.curl_opt) if a.rest else None, a.grpc, limited,
                         a.model, x, a.cacert)
        except Exception as e:
            import traceback
            traceback.print_exc()
            record("authz checks ran to completion", False, repr(e))
    if not a.no_cancel:
        print("== client cancellation (runs last: a failure can leave the model unusable)",
              flush=True)
        try:
            cancel_checks(Rest(a.rest, token, a.cacert, a.curl_opt) if a.rest else None, a.grpc,
                          token, a.model, x, probs, a.cacert)
        except Exception as e:
            import traceback
            traceback.print_exc()
            record("cancel checks ran to completion", False, repr(e))
    passed = sum(ok for _, ok, _ in results)
    failed = len(results) - passed
    print(f"\n== summary ({time.time() - t0:.1f} s)")
    for n, ok, d in results:
        if not ok:
            print(f"  FAIL {n}: {d}")
    for w in warnings:
        print(f"  WARN {w}")
    print(f"serve_clients.py: {passed} passed, {failed} failed")
    return 0 if failed == 0 and results else 1


if __name__ == "__main__":
    sys.exit(main())

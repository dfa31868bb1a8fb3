#!/usr/bin/env python3
"""Compare ward's latency, load time and peak memory with TensorFlow and onnxruntime.

Run with the venv made by tools/setup_bench_venv.sh, after `cargo build --release -p ward-cli`:

    /root/venvs/bench/bin/python tools/bench_compare.py --out /tmp/ward-bench-results.json \\
        --markdown /tmp/ward-bench-tables.md

Models (same inputs for every engine, written as .npy under --models/inputs/):
  mlp_b1, mlp_b64   tests/fixtures/models/mlp/saved_model at batch 1 and 64
  cnn               tests/fixtures/models/cnn/saved_model, batch 1
  mobilenet_v2      MobileNetV2 224x224 alpha 1.0 (gen_fixtures.py --full), batch 1
  transformer       2-layer encoder, seq len 128 (gen_fixtures.py --full), batch 1
The two full models are generated into --models (default /tmp/ward-bench-models) with
the fixture venv (--fixture-python) if missing; they are not committed.

Engines, each at 1 and 2 threads:
  ward   `ward bench` in-process (`--sandbox off` where ward has that flag; it sandboxes by
         default since 47bc993); one fresh process per block
  tf     tf.saved_model.load + the serving signature, intra/inter op threads = N
         (tf.config.threading), TF's default oneDNN setting; one persistent worker process
  ort    onnxruntime CPU on the tf2onnx export (opset 17), intra_op_num_threads = N,
         inter_op_num_threads = 1; one persistent worker process
  ward_sandboxed   `ward bench --sandbox strict`, only if ward supports that flag
Peak RSS of ward is ward bench's peak_rss_bytes (VmHWM of the ward process; with --sandbox strict,
plus the sandboxed worker's processes, which hold the model).

Timing: engines are interleaved round-robin in blocks: for r in rounds: for e in engines:
<warm-up W runs, B timed runs>. Every engine's statistics are computed the same way:
per block, median/p10/p90 with ward bench's percentile rule (sorted[round((n-1)p)]);
reported median/p10/p90 = median over blocks of the block values; `spread` = (max - min)
of block medians / median, an honest noise indicator on a shared machine.

Load time = process start to first output, measured from the parent: a fresh process per
engine and per repetition (--load-reps, interleaved); Python engines report the wall-clock
time of their first output, ward's is the process's wall time minus its one timed run.
Peak RSS = VmHWM of the benchmark process after its timed runs (ward: ward bench's
peak_rss_bytes from the block processes, max over blocks; Python engines include the
interpreter and the framework's libraries, as a deployment would).

GFLOP/s: FLOPs of MatMul/BatchMatMul/Einsum/Conv2D/DepthwiseConv2dNative counted from the
frozen graph with static shapes (2 * MACs), divided by the median latency; compared with
the machine's sgemm peak measured with numpy (OpenBLAS, 2048^3, 1 and 2 threads via
threadpoolctl), with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE removed from that subprocess's
environment only; the kernel OpenBLAS picked is reported.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(REPO, "tests", "fixtures", "models")

# name -> (fixture dir (relative to fixtures or models dir), full?, input key, input spec)
MODELS = {
    "mlp_b1": ("mlp", False, "x", ("float32", [1, 20])),
    "mlp_b64": ("mlp", False, "x", ("float32", [64, 20])),
    "cnn": ("cnn", False, "image", ("float32", [1, 32, 32, 3])),
    "mobilenet_v2": ("mobilenet_v2_full", True, "image", ("float32", [1, 224, 224, 3])),
    "transformer": ("transformer_full", True, "tokens", ("int32", [1, 128])),
}
ENGINES = ["ward", "tf", "ort"]


def model_dir(args, name):
    sub, full, _, _ = MODELS[name]
    return os.path.join(args.models if full else FIXTURES, sub)


def percentile(sorted_vals, p):
    if not sorted_vals:
        return float("nan")
    return sorted_vals[int(round((len(sorted_vals) - 1) * p))]


def block_stats(times):
    s = sorted(times)
    return {"median_ms": percentile(s, 0.5), "p10_ms": percentile(s, 0.1),
            "p90_ms": percentile(s, 0.9), "min_ms": s[0] if s else float("nan")}


def vm_hwm_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return None


# ---------------------------------------------------------------------------
# Child-process modes (run as `python bench_compare.py --_child MODE ...`).
# ---------------------------------------------------------------------------

def child_engine(a):
    """Load a model in TF or ORT, report first-output time, then serve 'run W N' requests."""
    import numpy as np
    x = np.load(a.input)
    if a.engine == "tf":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(a.threads)
        tf.config.threading.set_inter_op_parallelism_threads(a.threads)
        m = tf.saved_model.load(a.model)
        f = m.signatures["serving_default"]
        xt = tf.constant(x)

        def run():
            return {k: v.numpy() for k, v in f(**{a.key: xt}).items()}
    else:
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = a.threads
        so.inter_op_num_threads = 1
        sess = ort.InferenceSession(a.model, so, providers=["CPUExecutionProvider"])
        name = sess.get_inputs()[0].name
        feed = {name: x}

        def run():
            return sess.run(None, feed)
    run()
    first = time.time()
    print(json.dumps({"first_output_epoch": first}), flush=True)
    if a.load_only:
        print(json.dumps({"peak_rss_bytes": vm_hwm_bytes()}), flush=True)
        return
    for line in sys.stdin:
        parts = line.split()
        if not parts or parts[0] == "quit":
            break
        if parts[0] == "run":
            w, n = int(parts[1]), int(parts[2])
            for _ in range(w):
                run()
            times = []
            for _ in range(n):
                t = time.perf_counter()
                run()
                times.append((time.perf_counter() - t) * 1e3)
            print(json.dumps({"times_ms": times, "peak_rss_bytes": vm_hwm_bytes()}), flush=True)


def child_flops(a):
    """FLOPs (2*MACs) of the matmul/conv ops of a frozen graph at a fixed input shape."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    spec = json.loads(a.spec)
    gd = tf.compat.v1.GraphDef()
    with open(a.model, "rb") as f:
        gd.ParseFromString(f.read())
    g = tf.Graph()
    with g.as_default():
        ph = tf.compat.v1.placeholder(spec["dtype"], spec["shape"], name="bench_input")
        tf.graph_util.import_graph_def(gd, input_map={spec["tensor"]: ph}, name="m")
    total, by_op = 0, {}

    def dims(t):
        return [int(d) for d in t.shape.as_list()]

    import math
    for op in g.get_operations():
        fl = 0
        try:
            if op.type == "MatMul":
                a0 = dims(op.inputs[0])
                k = a0[0] if op.get_attr("transpose_a") else a0[1]
                fl = 2 * math.prod(dims(op.outputs[0])) * k
            elif op.type in ("BatchMatMulV2", "BatchMatMul", "BatchMatMulV3"):
                a0 = dims(op.inputs[0])
                k = a0[-2] if op.get_attr("adj_x") else a0[-1]
                fl = 2 * math.prod(dims(op.outputs[0])) * k
            elif op.type == "Conv2D":
                w = dims(op.inputs[1])
                fl = 2 * math.prod(dims(op.outputs[0])) * w[0] * w[1] * w[2]
            elif op.type == "DepthwiseConv2dNative":
                w = dims(op.inputs[1])
                fl = 2 * math.prod(dims(op.outputs[0])) * w[0] * w[1]
            elif op.type == "Einsum":
                eq = op.get_attr("equation").decode()
                lhs = eq.split("->")[0].split(",")
                sizes = {}
                for sub, t in zip(lhs, op.inputs):
                    for c, d in zip(sub, dims(t)):
                        sizes[c] = d
                fl = 2 * math.prod(sizes.values())
        except (ValueError, TypeError):
            fl = 0
        if fl:
            total += fl
            by_op[op.type] = by_op.get(op.type, 0) + fl
    print(json.dumps({"flops": total, "by_op": by_op}))


def child_gemm(a):
    """Best-of-N sgemm GFLOP/s with numpy at 1 and 2 threads."""
    import numpy as np
    from threadpoolctl import threadpool_info, threadpool_limits
    n = a.gemm_n
    rng = np.random.default_rng(0)
    A = rng.standard_normal((n, n), dtype=np.float32)
    B = rng.standard_normal((n, n), dtype=np.float32)
    out = {"n": n, "threadpool_info": threadpool_info(), "gflops": {}}
    for th in (1, 2):
        with threadpool_limits(limits=th, user_api="blas"):
            A @ B
            best = float("inf")
            for _ in range(a.gemm_reps):
                t = time.perf_counter()
                A @ B
                best = min(best, time.perf_counter() - t)
        out["gflops"][str(th)] = 2 * n ** 3 / best / 1e9
    print(json.dumps(out))


# ---------------------------------------------------------------------------
# Parent.
# ---------------------------------------------------------------------------

def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def ensure_models(args, names):
    missing = [MODELS[n][0] for n in names
               if MODELS[n][1] and not os.path.isdir(os.path.join(model_dir(args, n), "saved_model"))]
    if missing:
        print("generating", missing, file=sys.stderr)
        subprocess.run([args.fixture_python, os.path.join(REPO, "tools", "gen_fixtures.py"), "--out",
                        args.models, "--full", "--only", ",".join(sorted(set(missing)))], check=True)


def make_inputs(args, names):
    import numpy as np
    d = os.path.join(args.models, "inputs")
    os.makedirs(d, exist_ok=True)
    paths = {}
    for n in names:
        dtype, shape = MODELS[n][3]
        p = os.path.join(d, n + ".npy")
        rng = np.random.default_rng(1234)
        if dtype == "int32":
            x = rng.integers(0, 100, shape).astype("int32")
        else:
            x = rng.uniform(-1.0, 1.0, shape).astype(dtype)
        np.save(p, x)
        paths[n] = p
    return paths


def convert_onnx(args, name):
    sub = MODELS[name][0]
    out = os.path.join(args.models, "onnx", sub + ".onnx")
    if os.path.exists(out):
        fix_erfc(out)
        return out, None
    os.makedirs(os.path.dirname(out), exist_ok=True)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    r = subprocess.run([sys.executable, "-m", "tf2onnx.convert", "--saved-model",
                        os.path.join(model_dir(args, name), "saved_model"), "--signature_def",
                        "serving_default", "--opset", str(args.opset), "--output", out],
                       capture_output=True, text=True, env=env)
    if r.returncode != 0 or not os.path.exists(out):
        return None, (r.stderr or r.stdout).strip().splitlines()[-1:]
    fix_erfc(out)
    return out, None


def fix_erfc(path):
    """tf2onnx 1.17 passes TF's Erfc (Keras exact GELU) through as an op ONNX does not have;
    rewrite each Erfc(x) as Sub(1, Erf(x)) so onnxruntime can load the model."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper
    m = onnx.load(path)
    nodes, changed = [], 0
    for node in m.graph.node:
        if node.op_type == "Erfc" and node.domain in ("", "ai.onnx"):
            one = node.name + "/one"
            erf = node.name + "/erf"
            m.graph.initializer.append(numpy_helper.from_array(np.array(1.0, np.float32), one))
            nodes.append(helper.make_node("Erf", [node.input[0]], [erf], name=node.name + "/Erf"))
            nodes.append(helper.make_node("Sub", [one, erf], [node.output[0]], name=node.name + "/Sub"))
            changed += 1
        else:
            nodes.append(node)
    if changed:
        del m.graph.node[:]
        m.graph.node.extend(nodes)
        onnx.checker.check_model(m)
        onnx.save(m, path)
        print("rewrote %d Erfc nodes as 1 - Erf in %s" % (changed, path), file=sys.stderr)


def count_flops(args, name):
    meta = json.load(open(os.path.join(model_dir(args, name), "meta.json")))
    key = MODELS[name][2]
    dtype, shape = MODELS[name][3]
    spec = {"dtype": dtype, "shape": shape, "tensor": meta["inputs"][key]["frozen_tensor"]}
    r = sh([sys.executable, __file__, "--_child", "flops", "--model",
            os.path.join(model_dir(args, name), "frozen.pb"), "--spec", json.dumps(spec)],
           env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    return json.loads(r.stdout.strip().splitlines()[-1])


def measure_gemm(args):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    r = sh([sys.executable, __file__, "--_child", "gemm", "--gemm-n", str(args.gemm_n),
            "--gemm-reps", str(args.gemm_reps)], env=env)
    out = json.loads(r.stdout.strip().splitlines()[-1])
    out["env_removed"] = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"]
    # For reference only: the same measurement with the machine's OPENBLAS_* settings kept.
    r = sh([sys.executable, __file__, "--_child", "gemm", "--gemm-n", str(args.gemm_n),
            "--gemm-reps", str(args.gemm_reps)])
    kept = json.loads(r.stdout.strip().splitlines()[-1])
    out["with_machine_openblas_env"] = {
        "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")},
        "gflops": kept["gflops"],
        "architecture": [i.get("architecture") for i in kept["threadpool_info"]]}
    return out


def ward_cmd(args, name, inp, threads, warmup, iters, sandbox=False):
    cmd = [args.ward, "bench", "--dir", os.path.join(model_dir(args, name), "saved_model"),
           "--signature_def", "serving_default", "--inputs", "%s=%s" % (MODELS[name][2], inp),
           "--threads", str(threads), "--warmup", str(warmup), "--iterations", str(iters),
           "--format", "json"]
    if args.ward_sandbox_flag:
        # Since 47bc993 ward runs sandboxed by default: the in-process column must say so.
        cmd += ["--sandbox", "strict" if sandbox else "off"]
    return cmd


def run_ward_wait4(cmd):
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise subprocess.CalledProcessError(p.returncode, cmd, out)
    j = json.loads(out.strip().splitlines()[-1])
    # Informational only: ru_maxrss also counts the forked Python image before exec (~45 MiB
    # floor), so it cannot stand for ward's peak; ward's own number excludes a sandbox worker.
    j["wait4_maxrss_bytes"] = ru.ru_maxrss * 1024
    return j


def ward_block(args, name, inp, threads, warmup, iters, sandbox=False):
    return run_ward_wait4(ward_cmd(args, name, inp, threads, warmup, iters, sandbox))


def ward_load(args, name, inp, threads, sandbox=False):
    t0 = time.time()
    j = run_ward_wait4(ward_cmd(args, name, inp, threads, 0, 1, sandbox))
    wall = (time.time() - t0) * 1e3
    return {"load_ms": wall - j["min_ms"], "ward_internal_load_ms": j["load_ms"],
            "peak_rss_bytes": j["peak_rss_bytes"]}


def py_engine_cmd(engine, path, key, inp, threads, load_only):
    cmd = [sys.executable, __file__, "--_child", "engine", "--engine", engine, "--model", path,
           "--key", key, "--input", inp, "--threads", str(threads)]
    return cmd + (["--load-only"] if load_only else [])


def py_load(engine, path, key, inp, threads):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    t0 = time.time()
    r = sh(py_engine_cmd(engine, path, key, inp, threads, True), env=env)
    lines = [json.loads(l) for l in r.stdout.strip().splitlines() if l.startswith("{")]
    return {"load_ms": (lines[0]["first_output_epoch"] - t0) * 1e3,
            "peak_rss_bytes": lines[1]["peak_rss_bytes"]}


class Worker:
    def __init__(self, engine, path, key, inp, threads):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
        self.p = subprocess.Popen(py_engine_cmd(engine, path, key, inp, threads, False), env=env,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self._read()  # first output

    def _read(self):
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise RuntimeError("worker died")
            if line.startswith("{"):
                return json.loads(line)

    def block(self, warmup, iters):
        self.p.stdin.write("run %d %d\n" % (warmup, iters))
        self.p.stdin.flush()
        return self._read()

    def close(self):
        try:
            self.p.stdin.write("quit\n")
            self.p.stdin.flush()
            self.p.wait(timeout=30)
        except Exception:
            self.p.kill()


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def bench_config(args, name, inp, onnx_path, threads, sandbox_ok):
    key = MODELS[name][2]
    sm = os.path.join(model_dir(args, name), "saved_model")
    engines = ["ward", "tf"] + (["ort"] if onnx_path else []) + (["ward_sandboxed"] if sandbox_ok else [])
    res = {e: {"blocks": [], "rss": [], "load": []} for e in engines}
    la = [loadavg()]
    # Load time + load-process RSS: fresh process per engine per rep, interleaved.
    for _ in range(args.load_reps):
        for e in engines:
            if e == "ward":
                res[e]["load"].append(ward_load(args, name, inp, threads))
            elif e == "ward_sandboxed":
                res[e]["load"].append(ward_load(args, name, inp, threads, sandbox=True))
            elif e == "tf":
                res[e]["load"].append(py_load("tf", sm, key, inp, threads))
            else:
                res[e]["load"].append(py_load("ort", onnx_path, key, inp, threads))
    workers = {"tf": Worker("tf", sm, key, inp, threads)}
    if onnx_path:
        workers["ort"] = Worker("ort", onnx_path, key, inp, threads)
    try:
        for _ in range(args.rounds):
            for e in engines:
                if e in ("ward", "ward_sandboxed"):
                    j = ward_block(args, name, inp, threads, args.warmup, args.block, e == "ward_sandboxed")
                    res[e]["blocks"].append({k: j[k] for k in ("median_ms", "p10_ms", "p90_ms", "min_ms")})
                    res[e]["rss"].append(j["peak_rss_bytes"])
                else:
                    j = workers[e].block(args.warmup, args.block)
                    res[e]["blocks"].append(block_stats(j["times_ms"]))
                    res[e]["rss"].append(j["peak_rss_bytes"])
            la.append(loadavg())
    finally:
        for w in workers.values():
            w.close()
    out = {}
    for e, r in res.items():
        meds = [b["median_ms"] for b in r["blocks"]]
        med = statistics.median(meds)
        out[e] = {
            "median_ms": med,
            "p10_ms": statistics.median(b["p10_ms"] for b in r["blocks"]),
            "p90_ms": statistics.median(b["p90_ms"] for b in r["blocks"]),
            "min_ms": min(b["min_ms"] for b in r["blocks"]),
            "spread": (max(meds) - min(meds)) / med if med else float("nan"),
            "block_medians_ms": meds,
            "timed_runs": args.rounds * args.block,
            "load_ms": statistics.median(l["load_ms"] for l in r["load"]),
            "load_ms_all": [l["load_ms"] for l in r["load"]],
            "peak_rss_bytes": max(x for x in r["rss"] if x is not None),
        }
        if e.startswith("ward"):
            out[e]["ward_internal_load_ms"] = statistics.median(l["ward_internal_load_ms"] for l in r["load"])
    out["loadavg"] = la
    return out


def ward_has_sandbox(args):
    r = subprocess.run([args.ward, "bench", "--help"], capture_output=True, text=True)
    return "--sandbox" in r.stdout


def fmt_ratio(a, b):
    return "%.3g" % (a / b) if a and b else "n/a"


def markdown(results):
    L = []
    gemm = results.get("gemm", {}).get("gflops", {})
    for name, per in results["models"].items():
        fl = per.get("flops", {}).get("flops", 0)
        L.append("### %s%s\n" % (name, "" if per.get("onnx") else " (ORT: tf2onnx failed: %s)" % per.get("onnx_error")))
        L.append("| threads | engine | median ms | p10 ms | p90 ms | block spread | vs TF | vs ORT | load ms | load vs TF | peak RSS MiB | RSS vs TF | GFLOP/s | % sgemm peak |")
        L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for th, r in per["threads"].items():
            tf_, ort = r["tf"], r.get("ort")
            for e in ("ward", "ward_sandboxed", "tf", "ort"):
                if e not in r:
                    if e == "ward_sandboxed":
                        L.append("| %s | ward sandboxed | n/a (pending) | | | | | | | | | | | |" % th)
                    continue
                x = r[e]
                gf = fl / (x["median_ms"] * 1e6) if fl else 0
                peak = gemm.get(th)
                L.append("| %s | %s | %.3f | %.3f | %.3f | %.0f%% | %s | %s | %.0f | %s | %.0f | %s | %s | %s |" % (
                    th, e.replace("_", " "), x["median_ms"], x["p10_ms"], x["p90_ms"], 100 * x["spread"],
                    fmt_ratio(x["median_ms"], tf_["median_ms"]),
                    fmt_ratio(x["median_ms"], ort["median_ms"]) if ort else "n/a",
                    x["load_ms"], fmt_ratio(x["load_ms"], tf_["load_ms"]),
                    x["peak_rss_bytes"] / 2 ** 20, fmt_ratio(x["peak_rss_bytes"], tf_["peak_rss_bytes"]),
                    "%.2f" % gf if fl else "-", "%.1f%%" % (100 * gf / peak) if fl and peak else "-"))
        L.append("")
        L.append("loadavg during runs: " + "; ".join(
            "%s thr: %s" % (th, ", ".join("%.1f" % v for v in r["loadavg"])) for th, r in per["threads"].items()))
        L.append("")
    L.append(targets_markdown(results))
    return "\n".join(L)


# Targets from the performance issue: (label, engine, metric, reference engine, max ratio).
TARGETS = [
    ("latency <= 0.8x TF", "ward", "median_ms", "tf", 0.8),
    ("latency <= 1.2x ORT", "ward", "median_ms", "ort", 1.2),
    ("load <= 0.1x TF", "ward", "load_ms", "tf", 0.1),
    ("peak RSS <= 0.3x TF", "ward", "peak_rss_bytes", "tf", 0.3),
    ("sandboxed within 5% of in-process", "ward_sandboxed", "median_ms", "ward", 1.05),
]


def targets_markdown(results):
    L = ["### Targets (ward vs reference; 'by' = how far over (+) or under (-) the target ratio)\n",
         "| model | threads | " + " | ".join(t[0] for t in TARGETS) + " |",
         "|---|---|" + "---|" * len(TARGETS)]
    for name, per in results["models"].items():
        for th, r in per["threads"].items():
            cells = []
            for label, e, metric, ref, limit in TARGETS:
                if e not in r or ref not in r:
                    cells.append("n/a (pending)" if e == "ward_sandboxed" else "n/a")
                    continue
                ratio = r[e][metric] / r[ref][metric]
                met = ratio <= limit
                cells.append("%s %.3gx (%+.0f%%)" % ("met" if met else "MISSED", ratio,
                                                      100 * (ratio / limit - 1)))
            L.append("| %s | %s | %s |" % (name, th, " | ".join(cells)))
    L.append("")
    return "\n".join(L)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ward", default=os.path.join(REPO, "target", "release", "ward"))
    ap.add_argument("--models", default="/tmp/ward-bench-models")
    ap.add_argument("--fixture-python", default="/root/venvs/tf/bin/python")
    ap.add_argument("--only", default="", help="comma-separated subset of " + ",".join(MODELS))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=5, help="round-robin rounds (blocks per engine)")
    ap.add_argument("--block", type=int, default=10, help="timed runs per block")
    ap.add_argument("--warmup", type=int, default=3, help="untimed runs before each block")
    ap.add_argument("--load-reps", type=int, default=3)
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument("--gemm-n", type=int, default=2048)
    ap.add_argument("--gemm-reps", type=int, default=5)
    ap.add_argument("--out", default="", help="write results JSON here")
    ap.add_argument("--markdown", default="", help="write the tables here")
    ap.add_argument("--_child", choices=["engine", "flops", "gemm"], help=argparse.SUPPRESS)
    ap.add_argument("--engine", help=argparse.SUPPRESS)
    ap.add_argument("--model", help=argparse.SUPPRESS)
    ap.add_argument("--key", help=argparse.SUPPRESS)
    ap.add_argument("--input", help=argparse.SUPPRESS)
    ap.add_argument("--spec", help=argparse.SUPPRESS)
    ap.add_argument("--load-only", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--render", default="", help="only print the tables of a results JSON written by --out")
    a = ap.parse_args()
    if a.render:
        print(markdown(json.load(open(a.render))))
        return
    if a._child:
        a.threads = int(a.threads.split(",")[0])
        {"engine": child_engine, "flops": child_flops, "gemm": child_gemm}[a._child](a)
        return

    names = [n for n in (a.only.split(",") if a.only else MODELS) if n]
    threads = [int(t) for t in a.threads.split(",")]
    if a.rounds * a.block < 30:
        print("warning: fewer than 30 timed runs per engine", file=sys.stderr)
    ensure_models(a, names)
    inputs = make_inputs(a, names)
    sandbox_ok = ward_has_sandbox(a)
    a.ward_sandbox_flag = sandbox_ok
    cpu = sh(["lscpu"]).stdout
    results = {"date_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "command": " ".join([os.path.basename(sys.executable)] + sys.argv),
               "cpu": [l for l in cpu.splitlines() if l.split(":")[0].strip() in
                       ("Model name", "CPU(s)", "Thread(s) per core", "L2 cache", "L3 cache", "Flags")][:5],
               "ward_sandbox_flag": sandbox_ok, "models": {}}
    import importlib.metadata as md
    results["versions"] = {p: md.version(p) for p in ("tensorflow-cpu", "onnxruntime", "tf2onnx", "numpy")}
    print("gemm peak ...", file=sys.stderr)
    results["gemm"] = measure_gemm(a)
    print(json.dumps(results["gemm"]["gflops"]), file=sys.stderr)
    for n in names:
        onnx_path, err = convert_onnx(a, n)
        per = {"onnx": bool(onnx_path), "onnx_error": err, "threads": {}}
        try:
            per["flops"] = count_flops(a, n)
        except subprocess.CalledProcessError as e:
            per["flops"] = {"flops": 0, "error": e.stderr[-500:]}
        for th in threads:
            print("%s @ %d thread(s) ... %s" % (n, th, time.strftime("%H:%M:%S")), file=sys.stderr)
            per["threads"][str(th)] = bench_config(a, n, inputs[n], onnx_path, th, sandbox_ok)
            r = per["threads"][str(th)]
            print("  " + "  ".join("%s %.3f ms" % (e, r[e]["median_ms"]) for e in r if e != "loadavg"),
                  file=sys.stderr)
        results["models"][n] = per
        if a.out:
            with open(a.out, "w") as f:
                json.dump(results, f, indent=1)
    if a.out:
        with open(a.out, "w") as f:
            json.dump(results, f, indent=1)
    md_text = markdown(results)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(md_text)
    print(md_text)


if __name__ == "__main__":
    main()

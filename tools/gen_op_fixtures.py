#!/usr/bin/env python3
"""Generate per-op conformance fixtures by running real TensorFlow.

Usage:
    /root/venvs/tf/bin/python tools/gen_op_fixtures.py --out tests/fixtures/ops
    /root/venvs/tf/bin/python tools/gen_op_fixtures.py --out /tmp/x --ops Add,Conv2D

For every op in OPS a generator below produces cases (inputs as numpy arrays +
attrs).  Each case becomes a GraphDef built by hand (Const nodes in0, in1, ...
feeding one node named "op" with every attr set explicitly, defaults filled
from the op registry), is imported with tf.compat.v1.import_graph_def into a
fresh tf.Graph and run with tf.compat.v1.Session in a *worker subprocess*
(crash isolation).  TF's outputs (or its error class and stage) are written to
<out>/<Op>.jsonl, plus <out>/README.md.  See that README for the format.
"""

import argparse
import base64
import json
import math
import os
import pickle
import queue
import subprocess
import sys
import threading
import time
import warnings
import zlib

# Reference kernels: plain Eigen CPU kernels, no oneDNN graph rewrites, quiet logs.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")

import numpy as np  # noqa: E402

warnings.filterwarnings("ignore")

CASE_TIMEOUT_S = 120.0

# --------------------------------------------------------------------------
# worker (runs in a subprocess; reads pickled jobs on stdin)
# --------------------------------------------------------------------------


def _err_name(e):
    n = type(e).__name__
    if n.endswith("Error") and n not in ("OpError",):
        n = n[: -len("Error")]
    if n in ("Value", "Type", "Key", "Index", "Attribute"):
        return "InvalidArgument"
    if n == "OpError":
        return "Unknown"
    return n


def _normalize_msg(t):
    """Make TF messages reproducible: protobuf debug strings carry a randomized marker and attr
    lists are printed in hash order."""
    import re
    t = re.sub(r"goo\.gle/debug\w+\s*", "", t)

    def sort_attrs(m):
        return m.group(1) + ", ".join(sorted(x.strip() for x in m.group(2).split(", "))) + "]"
    t = re.sub(r"(with these attrs: \[)([^\]]*)\]", sort_attrs, t)
    return re.sub(r"  +", " ", t)


def _first_line(e):
    return _normalize_msg(_first_line_raw(e))


def _first_line_raw(e):
    """First meaningful line of TF's message (skips the 'Graph execution error' preamble)."""
    msg = getattr(e, "message", None) or str(e)
    lines = [ln for ln in msg.split("\n")]
    for i, ln in enumerate(lines):
        if ln.startswith("Node: '"):
            for nxt in lines[i + 1:]:
                if nxt.strip():
                    return nxt.strip()[:400]
    for ln in lines:
        t = ln.strip()
        if not t or t.startswith("Graph execution error") or t.startswith("Detected at node") \
                or ln.startswith(" ") or t.startswith("[[{{node") or t.startswith("Node: "):
            continue
        return t[:400]
    return msg.strip().split("\n")[0][:400]


def worker_main():
    import tensorflow as tf
    from tensorflow.core.framework import graph_pb2

    cfg = tf.compat.v1.ConfigProto(
        intra_op_parallelism_threads=1, inter_op_parallelism_threads=1
    )
    cfg.graph_options.optimizer_options.opt_level = tf.compat.v1.OptimizerOptions.L0
    cfg.graph_options.optimizer_options.do_constant_folding = False
    cfg.graph_options.rewrite_options.disable_meta_optimizer = True

    jobs = pickle.load(sys.stdin.buffer)
    out = sys.stdout
    for key, gbytes, fetch, targets in jobs:
        res = run_one(tf, graph_pb2, cfg, gbytes, fetch, targets)
        out.write("@@RES " + json.dumps([key, res]) + "\n")
        out.flush()


def encode_array(v):
    a = np.asarray(v)
    name = a.dtype.name
    if name == "bool":
        data = np.ascontiguousarray(a).astype(np.uint8).tobytes()
    else:
        if a.dtype.byteorder == ">":
            a = a.astype(a.dtype.newbyteorder("<"))
        data = np.ascontiguousarray(a).tobytes()
    return {
        "dtype": name,
        "shape": [int(d) for d in a.shape],
        "data": base64.b64encode(data).decode("ascii"),
    }


def run_one(tf, graph_pb2, cfg, gbytes, fetch, targets):
    gd = graph_pb2.GraphDef.FromString(gbytes)
    g = tf.Graph()
    with g.as_default():
        try:
            tf.compat.v1.import_graph_def(gd, name="")
        except Exception as e:  # noqa: BLE001
            return {"error": _err_name(e), "stage": "import", "tf_message": _first_line(e)}
    with tf.compat.v1.Session(graph=g, config=cfg) as s:
        try:
            fs = [g.get_tensor_by_name(f) for f in fetch]
            ts = [g.get_operation_by_name(t) for t in targets]
        except Exception as e:  # noqa: BLE001
            return {"error": "HarnessError", "stage": "run", "tf_message": _first_line(e)}
        try:
            vals = s.run(fs + ts)
        except tf.errors.OpError as e:
            return {"error": _err_name(e), "stage": "run", "tf_message": _first_line(e)}
        except Exception as e:  # noqa: BLE001
            return {"error": "HarnessError", "stage": "run", "tf_message": _first_line(e)}
    outs = []
    for v in vals[: len(fs)]:
        a = np.asarray(v)
        if a.dtype.kind in "OSU":
            return {"error": "HarnessError", "stage": "run", "tf_message": "non-numeric output"}
        outs.append(encode_array(a))
    return {"outputs": outs}


if __name__ == "__main__" and "--worker" in sys.argv:
    worker_main()
    sys.exit(0)

# --------------------------------------------------------------------------
# main process: TF only for building protos / querying the registries
# --------------------------------------------------------------------------

import tensorflow as tf  # noqa: E402
from tensorflow.core.framework import attr_value_pb2, graph_pb2, tensor_pb2  # noqa: E402
from tensorflow.core.framework import tensor_shape_pb2  # noqa: E402
from tensorflow.python.framework import kernels as tf_kernels  # noqa: E402
from tensorflow.python.framework import op_def_registry  # noqa: E402

BF16 = tf.bfloat16.as_numpy_dtype
import ml_dtypes  # noqa: E402

FLOATS = ["float32", "float64", "float16", "bfloat16"]
SINTS = ["int8", "int16", "int32", "int64"]
UINTS = ["uint8", "uint16", "uint32", "uint64"]
INTS = SINTS + UINTS
ALL = FLOATS + INTS + ["bool"]
NP = {
    "float32": np.float32, "float64": np.float64, "float16": np.float16, "bfloat16": BF16,
    "int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64,
    "uint8": np.uint8, "uint16": np.uint16, "uint32": np.uint32, "uint64": np.uint64,
    "bool": np.bool_,
}
ENUM2NAME = {tf.as_dtype(n).as_datatype_enum: n for n in ALL}


def isf(dt):
    return dt in FLOATS


def isint(dt):
    return dt in INTS


def dtname(a):
    return np.asarray(a).dtype.name


def finfo(dt):
    return ml_dtypes.finfo(NP[dt]) if dt == "bfloat16" else np.finfo(NP[dt])


def A(vals, dt):
    """Array of dtype dt from python values."""
    if dt == "bool":
        return np.array(vals, dtype=np.bool_)
    if isf(dt):
        with np.errstate(all="ignore"):
            return np.array(vals, dtype=np.float64).astype(np.float32 if dt == "bfloat16" else NP[dt]).astype(NP[dt])
    return np.array(vals, dtype=NP[dt])


def I32(v):
    return np.array(v, dtype=np.int32)


def I64(v):
    return np.array(v, dtype=np.int64)


def F32(v):
    return np.array(v, dtype=np.float32)


def B(v):
    return np.array(v, dtype=np.bool_)


def fspecial(dt):
    fi = finfo(dt)
    vals = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 100.0,
            float(fi.max), -float(fi.max), float(fi.tiny), -float(fi.tiny),
            float(fi.smallest_subnormal), -float(fi.smallest_subnormal)]
    return A(vals, dt)


def iext(dt):
    ii = np.iinfo(NP[dt])
    vals = sorted({int(ii.min), int(ii.min) + 1, -7, -1, 0, 1, 2, 7, int(ii.max) - 1, int(ii.max)})
    return np.array([v for v in vals if ii.min <= v <= ii.max], dtype=NP[dt])


# --------------------------------------------------------------------------
# registries
# --------------------------------------------------------------------------

_KCACHE = {}


def cpu_kernels(op):
    if op not in _KCACHE:
        kl = tf_kernels.get_registered_kernels_for_op(op)
        _KCACHE[op] = [k for k in kl.kernel if k.device_type == "CPU" and not k.label]
    return _KCACHE[op]


def opdef_allowed(op, attr):
    od = op_def_registry.get(op)
    for a in od.attr:
        if a.name == attr:
            if a.allowed_values.list.type:
                return [ENUM2NAME[t] for t in a.allowed_values.list.type if t in ENUM2NAME]
            return list(ALL)
    return []


def cpu_types(op, attr):
    """Our dtypes allowed for `attr` by at least one CPU kernel of `op`."""
    allowed = opdef_allowed(op, attr)
    got = set()
    for k in cpu_kernels(op):
        cons = [c for c in k.constraint if c.name == attr]
        if not cons:
            got.update(allowed)
        else:
            for c in cons:
                got.update(ENUM2NAME[t] for t in c.allowed_values.list.type if t in ENUM2NAME)
    return [d for d in ALL if d in got and d in allowed]


def kernel_combos(op, attrs):
    """List of dicts attr->dtype, one per CPU kernel (for multi-type ops)."""
    res = []
    for k in cpu_kernels(op):
        d = {}
        ok = True
        for a in attrs:
            cons = [c for c in k.constraint if c.name == a]
            if not cons:
                ok = False
                break
            ts = [ENUM2NAME[t] for t in cons[0].allowed_values.list.type if t in ENUM2NAME]
            if len(ts) != 1:
                ok = False
                break
            d[a] = ts[0]
        if ok and d not in res:
            res.append(d)
    return res


# --------------------------------------------------------------------------
# graph building
# --------------------------------------------------------------------------


class Shape:
    def __init__(self, dims):
        self.dims = dims  # None = unknown rank; -1 = unknown dim


def shape_proto(s):
    p = tensor_shape_pb2.TensorShapeProto()
    if s is None:
        p.unknown_rank = True
        return p
    for d in s:
        p.dim.add().size = int(d)
    return p


def tensor_proto(v):
    if isinstance(v, tensor_pb2.TensorProto):
        return v
    return tf.make_tensor_proto(np.asarray(v))


def set_attr(node, name, val, atype):
    a = node.attr[name]
    if isinstance(val, attr_value_pb2.AttrValue):
        a.CopyFrom(val)
    elif atype == "type":
        a.type = tf.as_dtype(val).as_datatype_enum
    elif atype == "list(type)":
        a.list.SetInParent()
        a.list.type.extend([tf.as_dtype(v).as_datatype_enum for v in val])
    elif atype == "int":
        a.i = int(val)
    elif atype == "float":
        a.f = float(val)
    elif atype == "bool":
        a.b = bool(val)
    elif atype == "string":
        a.s = val.encode() if isinstance(val, str) else bytes(val)
    elif atype == "list(int)":
        a.list.SetInParent()
        a.list.i.extend([int(x) for x in val])
    elif atype == "list(float)":
        a.list.SetInParent()
        a.list.f.extend([float(x) for x in val])
    elif atype == "list(string)":
        a.list.SetInParent()
        a.list.s.extend([x.encode() if isinstance(x, str) else x for x in val])
    elif atype == "shape":
        a.shape.CopyFrom(shape_proto(val.dims if isinstance(val, Shape) else val))
    elif atype == "list(shape)":
        a.list.SetInParent()
        for s in val:
            a.list.shape.add().CopyFrom(shape_proto(s))
    elif atype == "tensor":
        a.tensor.CopyFrom(tensor_proto(val))
    else:
        raise ValueError(f"unsupported attr type {atype} for {name}")


def build_graph(opname, inputs, attrs):
    od = op_def_registry.get(opname)
    if od is None:
        raise KeyError(opname)
    gd = graph_pb2.GraphDef()
    gd.versions.producer = tf.version.GRAPH_DEF_VERSION
    for i, a in enumerate(inputs):
        n = gd.node.add()
        n.name = f"in{i}"
        n.op = "Const"
        a = np.asarray(a)
        n.attr["dtype"].type = tf.as_dtype(a.dtype).as_datatype_enum
        n.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(a))
    node = gd.node.add()
    node.name = "op"
    node.op = opname
    node.input.extend(f"in{i}" for i in range(len(inputs)))

    explicit = dict(attrs or {})
    inferred = {}
    nonlist = [a for a in od.input_arg if not (a.number_attr or a.type_list_attr)]
    nlist = max(0, len(inputs) - len(nonlist))
    idx = 0
    for arg in od.input_arg:
        if arg.number_attr or arg.type_list_attr:
            items = inputs[idx: idx + nlist]
            idx += nlist
            if arg.number_attr:
                inferred.setdefault(arg.number_attr, len(items))
            if arg.type_attr and items:
                inferred.setdefault(arg.type_attr, dtname(items[0]))
            if arg.type_list_attr:
                inferred.setdefault(arg.type_list_attr, [dtname(x) for x in items])
        else:
            if idx < len(inputs) and arg.type_attr:
                inferred.setdefault(arg.type_attr, dtname(inputs[idx]))
            idx += 1
    for a in od.attr:
        if a.name in explicit:
            val = explicit.pop(a.name)
            if val is None:
                continue
            set_attr(node, a.name, val, a.type)
        elif a.name in inferred:
            set_attr(node, a.name, inferred[a.name], a.type)
        elif a.HasField("default_value"):
            node.attr[a.name].CopyFrom(a.default_value)
    for name, val in explicit.items():  # attrs unknown to the op def (deliberately bogus)
        if val is not None:
            if isinstance(val, attr_value_pb2.AttrValue):
                node.attr[name].CopyFrom(val)
            else:
                raise ValueError(f"{opname}: unknown attr {name}")
    nout = 0
    for arg in od.output_arg:
        if arg.number_attr:
            nout += node.attr[arg.number_attr].i
        elif arg.type_list_attr:
            nout += len(node.attr[arg.type_list_attr].list.type)
        else:
            nout += 1
    return gd, nout


# --------------------------------------------------------------------------
# case context
# --------------------------------------------------------------------------


class Ctx:
    def __init__(self, op):
        self.op = op
        self.rng = np.random.default_rng(zlib.crc32(op.encode()))
        self.cases = []
        self.names = set()
        od = op_def_registry.get(op)
        self.opdef = od
        self.primary = None
        for arg in od.input_arg:
            if arg.type_attr:
                self.primary = arg.type_attr
                break
        if self.primary is None:
            for a in od.attr:
                if a.type == "type":
                    self.primary = a.name
                    break

    def types(self, attr=None):
        attr = attr or self.primary
        return cpu_types(self.op, attr) if attr else []

    def def_types(self, attr=None):
        return opdef_allowed(self.op, attr or self.primary)

    def nokernel_types(self, attr=None):
        """dtypes the op def allows but no CPU kernel is registered for."""
        t = set(self.types(attr))
        return [d for d in self.def_types(attr) if d not in t]

    def disallowed_types(self, attr=None):
        t = set(self.def_types(attr))
        return [d for d in ALL if d not in t]

    def main(self, attr=None):
        t = self.types(attr)
        for d in ("float32", "int32", "int64", "bool"):
            if d in t:
                return d
        return t[0] if t else "float32"

    def add(self, name, inputs, attrs=None, op=None, fetch=None, targets=None, rtol=None, atol=None,
            note=None):
        assert name not in self.names, (self.op, name)
        self.names.add(name)
        self.cases.append(dict(name=name, inputs=[np.asarray(x) for x in inputs], attrs=attrs or {},
                               op=op or self.op, fetch=fetch, targets=targets or [], rtol=rtol,
                               atol=atol))

    def rnd(self, shape, dt, lo=-5.0, hi=5.0, intvalued=False):
        shape = tuple(shape)
        if dt == "bool":
            return self.rng.random(shape) < 0.5
        if isf(dt):
            if intvalued:
                v = self.rng.integers(int(lo), int(hi) + 1, shape).astype(np.float64)
            else:
                v = self.rng.uniform(lo, hi, shape)
            return A(v, dt).reshape(shape)
        ii = np.iinfo(NP[dt])
        lo2 = max(int(math.floor(lo)), int(ii.min))
        hi2 = min(int(math.ceil(hi)), int(ii.max))
        return np.asarray(self.rng.integers(lo2, hi2 + 1, shape)).astype(NP[dt]).reshape(shape)

    def rndx(self, shape, dt, lo=-5.0, hi=5.0):
        """random; integer-valued for half precision floats (exact accumulation)."""
        return self.rnd(shape, dt, lo, hi, intvalued=dt in ("float16", "bfloat16"))


def sname(shape):
    return "x".join(str(d) for d in shape) if len(shape) else "scalar"


# --------------------------------------------------------------------------
# generators
# --------------------------------------------------------------------------

GEN = {}


def gen(*ops):
    def deco(f):
        for o in ops:
            GEN[o] = f
        return f
    return deco


def type_error_cases(c, mk, attr=None, max_nokernel=2):
    """mk(dt) -> (inputs, attrs). Records a few dtype-rejection cases."""
    for dt in c.nokernel_types(attr)[:max_nokernel]:
        ins, at = mk(dt)
        c.add(f"nokernel_{dt}", ins, at)
    dis = c.disallowed_types(attr)
    if dis:
        dt = dis[-1] if "bool" in dis else dis[0]
        ins, at = mk(dt)
        c.add(f"disallowed_{dt}", ins, at)


# ---- elementwise binary ----------------------------------------------------

DIV_OPS = {"RealDiv", "Div", "DivNoNan", "FloorDiv", "FloorMod", "TruncateDiv", "TruncateMod"}
CMP_OPS = {"Greater", "GreaterEqual", "Less", "LessEqual", "Equal", "NotEqual"}


def bin_vals(c, shape, dt, op, which):
    if op == "Pow":
        if isf(dt):
            return c.rnd(shape, dt, 0.1, 3.0) if which == 0 else c.rnd(shape, dt, -3.0, 3.0)
        return c.rnd(shape, dt, -4, 4) if which == 0 else c.rnd(shape, dt, 0, 5)
    if op in DIV_OPS and which == 1:
        v = c.rnd(shape, dt, 1, 9) if not isf(dt) else c.rnd(shape, dt, 0.5, 5.0)
        if dt not in UINTS and dt != "bool":
            sgn = np.where(c.rng.random(tuple(shape)) < 0.5, -1, 1).astype(v.dtype)
            v = (v * sgn).astype(v.dtype)
        return v
    if dt in ("float16", "bfloat16") and op in ("Mul", "SquaredDifference"):
        return c.rnd(shape, dt, -5, 5)
    if op in CMP_OPS or op in ("Maximum", "Minimum") and not isf(dt):
        return c.rnd(shape, dt, -3, 3)  # small range => ties
    return c.rnd(shape, dt)


@gen("Add", "AddV2", "Sub", "Mul", "RealDiv", "Div", "DivNoNan", "FloorDiv", "FloorMod", "Maximum",
     "Minimum", "Pow", "SquaredDifference", "Greater", "GreaterEqual", "Less", "LessEqual", "Equal",
     "NotEqual", "LogicalAnd", "LogicalOr")
def g_binary(c):
    op = c.op
    logical = op in ("LogicalAnd", "LogicalOr")
    tl = ["bool"] if logical else c.types()
    md = "bool" if logical else c.main()
    # dtype sweep
    for dt in tl:
        c.add(f"{dt}_2x3", [bin_vals(c, [2, 3], dt, op, 0), bin_vals(c, [2, 3], dt, op, 1)])
    if not logical:
        type_error_cases(c, lambda dt: ([bin_vals(c, [3], dt, op, 0), bin_vals(c, [3], dt, op, 1)], {}))
    # broadcasting
    for sa, sb in [([], []), ([], [2, 3]), ([3], [2, 3]), ([2, 1], [1, 3]), ([4, 1, 3], [2, 1]),
                   ([2, 3, 1, 4], [3, 5, 1]), ([1], [5]), ([2, 1, 3, 1], [1, 4, 1, 2])]:
        c.add(f"bcast_{sname(sa)}_{sname(sb)}_{md}",
              [bin_vals(c, sa, md, op, 0), bin_vals(c, sb, md, op, 1)])
    intd = "int32" if "int32" in tl and md != "int32" else None
    if intd:
        c.add(f"bcast_2x1_1x3_{intd}", [bin_vals(c, [2, 1], intd, op, 0), bin_vals(c, [1, 3], intd, op, 1)])
    # zero-sized
    for sa, sb in [([0, 3], [3]), ([2, 0], [2, 1]), ([0], []), ([1, 0], [3, 1])]:
        c.add(f"empty_{sname(sa)}_{sname(sb)}", [bin_vals(c, sa, md, op, 0), bin_vals(c, sb, md, op, 1)])
    # special float values: all pairs
    for dt in [d for d in tl if isf(d)]:
        s = fspecial(dt)
        if op == "Pow":
            s = A([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -2.0, 3.0, -3.0, 1e-3,
                   float(finfo(dt).max), float(finfo(dt).tiny)], dt)
        c.add(f"special_{dt}", [s.reshape(-1, 1), s.reshape(1, -1)])
    # integer edge values
    for dt in [d for d in tl if isint(d)]:
        e = iext(dt)
        x, y = np.meshgrid(e, e, indexing="ij")
        x, y = x.ravel(), y.ravel()
        if op in DIV_OPS:
            keep = y != 0
            if dt in SINTS:
                keep &= ~((x == np.iinfo(NP[dt]).min) & (y == -1))
            x, y = x[keep], y[keep]
        if op == "Pow":
            keep = (y >= 0) & (y <= 3)
            x, y = x[keep], y[keep]
        c.add(f"edges_{dt}", [x.astype(NP[dt]), y.astype(NP[dt])])
    # bool for comparisons handled by sweep; op-specific cases
    if op in DIV_OPS:
        for dt in [d for d in tl if isint(d)][:3] + [d for d in tl if d in ("int64", "uint8")]:
            name = f"div_by_zero_{dt}"
            if name in c.names:
                continue
            c.add(name, [A([1, 2, 3, 4], dt), A([1, 0, 2, 1], dt)])
        for dt in [d for d in tl if isf(d)][:2]:
            c.add(f"div_by_zero_{dt}", [A([1.0, -1.0, 0.0, -0.0, np.nan, 3.0], dt), A([0.0, 0.0, 0.0, -0.0, 0.0, -0.0], dt)])
        if op in ("Div", "FloorDiv", "FloorMod", "TruncateMod"):
            for dt in ("int32", "int64"):
                if dt in tl:
                    mn = np.iinfo(NP[dt]).min
                    c.add(f"int_min_by_neg1_{dt}", [A([mn, mn], dt), A([-1, 1], dt)])
        if op in ("FloorMod", "FloorDiv", "Div"):
            c.add("signs_int32" if "int32" in tl else "signs_f32",
                  [A([7, -7, 7, -7, 0, 6, -6], "int32" if "int32" in tl else "float32"),
                   A([2, 2, -2, -2, 3, 3, -3], "int32" if "int32" in tl else "float32")])
            if "float32" in tl:
                c.add("signs_float32", [A([7.5, -7.5, 7.5, -7.5, 0.0, -0.0, 6.0], "float32"),
                                        A([2.0, 2.0, -2.0, -2.0, 3.0, 3.0, -3.0], "float32")])
    if op == "Pow":
        for dt in [d for d in ("int32", "int64") if d in tl]:
            c.add(f"neg_exponent_{dt}", [A([2, 3], dt), A([-1, 2], dt)])
        if "float32" in tl:
            c.add("neg_base_int_exp_float32", [A([-2.0, -2.0, -0.5, -8.0], "float32"), A([2.0, 3.0, -1.0, 1.0 / 3.0], "float32")])
    if op in ("Equal", "NotEqual"):
        c.add("incompatible_shape_error_false", [F32([1, 2, 3]), F32([1, 2])],
              {"incompatible_shape_error": False})
        c.add("incompatible_shape_error_false_ok", [F32([[1, 2, 3]]), F32([1, 5, 3])],
              {"incompatible_shape_error": False})
    # invalid
    c.add("mismatch_2x3_4", [bin_vals(c, [2, 3], md, op, 0), bin_vals(c, [4], md, op, 1)])
    c.add("mismatch_2x3_3x2", [bin_vals(c, [2, 3], md, op, 0), bin_vals(c, [3, 2], md, op, 1)])
    if not logical and "int32" in c.types() and "float32" in c.types():
        c.add("dtype_mismatch_f32_i32", [F32([1, 2]), I32([1, 2])])
    if logical:
        c.add("non_bool_input", [F32([1, 0]), F32([1, 1])])


# ---- AddN ------------------------------------------------------------------

@gen("AddN")
def g_addn(c):
    for dt in c.types():
        c.add(f"{dt}_n3", [c.rndx([2, 3], dt) for _ in range(3)])
    type_error_cases(c, lambda dt: ([c.rnd([2], dt), c.rnd([2], dt)], {}))
    md = "float32"
    for n in (1, 2, 5):
        c.add(f"n{n}_{md}", [c.rnd([3, 4], md) for _ in range(n)])
    c.add("scalars", [c.rnd([], md) for _ in range(3)])
    c.add("empty_0x3", [c.rnd([0, 3], md) for _ in range(2)])
    c.add("rank4", [c.rnd([2, 1, 3, 2], md) for _ in range(2)])
    c.add("special_float32", [fspecial("float32"), fspecial("float32")[::-1].copy()])
    c.add("overflow_int8", [iext("int8"), iext("int8")[::-1].copy(), iext("int8")] if "int8" in c.types() else [iext("int32")] * 2)
    c.add("shape_mismatch", [c.rnd([2, 3], md), c.rnd([3], md)])
    c.add("no_broadcast_1x3_2x3", [c.rnd([1, 3], md), c.rnd([2, 3], md)])
    c.add("dtype_mismatch", [F32([1, 2]), I32([1, 2])])


# ---- unary -----------------------------------------------------------------

UNARY_DOMAIN = {
    "Log": (0.01, 10.0), "Sqrt": (0.0, 10.0), "Rsqrt": (0.01, 10.0), "Log1p": (-0.9, 10.0),
    "Exp": (-10.0, 10.0), "Sin": (-10.0, 10.0), "Cos": (-10.0, 10.0), "Relu6": (-3.0, 9.0),
    "Erf": (-3.0, 3.0), "Erfc": (-3.0, 5.0), "Softplus": (-10.0, 10.0),
}
UNARY_OPS = ["Neg", "Abs", "Sign", "Exp", "Expm1", "Log", "Log1p", "Sqrt", "Rsqrt", "Square",
             "Reciprocal", "Tanh", "Sigmoid", "Erf", "Erfc", "Sin", "Cos", "Floor", "Ceil", "Round",
             "Relu", "Relu6", "Elu", "Selu", "LeakyRelu", "Softplus", "Softsign", "LogicalNot",
             "IsNan", "IsInf", "IsFinite", "ZerosLike", "OnesLike", "Identity", "StopGradient",
             "Snapshot", "CheckNumerics"]


@gen(*UNARY_OPS)
def g_unary(c):
    op = c.op
    lo, hi = UNARY_DOMAIN.get(op, (-5.0, 5.0))
    tl = ["bool"] if op == "LogicalNot" else c.types()
    md = "bool" if op == "LogicalNot" else c.main()
    attrs = {}
    if op == "CheckNumerics":
        attrs = {"message": "check_numerics_msg"}

    def val(shape, dt):
        if op == "Reciprocal" and not isf(dt):
            v = c.rnd(shape, dt, 1, 9)
            return v
        return c.rnd(shape, dt, lo, hi)

    for dt in tl:
        c.add(f"{dt}_2x3", [val([2, 3], dt)], attrs)
    if op != "LogicalNot":
        type_error_cases(c, lambda dt: ([c.rnd([3], dt)], attrs))
    for shape in ([], [7], [2, 3, 4], [1, 2, 3, 2], [0], [2, 0, 3]):
        c.add(f"{md}_{sname(shape)}", [val(shape, md)], attrs)
    for dt in [d for d in tl if isf(d)]:
        c.add(f"special_{dt}", [fspecial(dt)], attrs)
        if op not in ("CheckNumerics",):
            # dense sweep of the interesting range
            if op in ("Round", "Floor", "Ceil"):
                v = A(np.arange(-4.0, 4.01, 0.25), dt)
            else:
                v = A(np.linspace(lo, hi, 41), dt)
            c.add(f"sweep_{dt}", [v], attrs)
    if op in ("Round", "Floor", "Ceil") and "float32" in tl:
        c.add("halves_float32", [A([-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 4.5, -0.49999997, 0.49999997,
                                    8388607.5, -8388607.5, 8388609.0, 1e30, -1e-30], "float32")])
    if op == "Exp" and "float32" in tl:
        c.add("overflow_float32", [A([88.0, 88.8, 89.0, -87.0, -103.0, -104.0, 709.0], "float32")])
    if op in ("Tanh", "Sigmoid", "Softplus", "Erf", "Erfc", "Elu", "Selu", "Softsign") and "float32" in tl:
        c.add("large_float32", [A([-100.0, -30.0, -20.0, -9.0, -1e-4, -1e-8, 0.0, 1e-8, 1e-4, 9.0, 20.0, 30.0, 100.0], "float32")])
    for dt in [d for d in tl if isint(d)]:
        c.add(f"edges_{dt}", [iext(dt)], attrs)
    if op == "LeakyRelu":
        for alpha in (0.0, 0.01, 0.5, 1.5, -0.3):
            c.add(f"alpha_{alpha}", [c.rnd([2, 5], "float32")], {"alpha": alpha})
    if op == "CheckNumerics":
        for dt in [d for d in tl if isf(d)]:
            c.add(f"nan_{dt}", [A([1.0, np.nan, 2.0], dt)], attrs)
        c.add("inf_float32", [A([1.0, -np.inf], "float32")], attrs)
        c.add("denormal_max_ok_float32", [A([float(np.finfo(np.float32).max), float(np.finfo(np.float32).smallest_subnormal)], "float32")], attrs)


# ---- Cast ------------------------------------------------------------------

@gen("Cast")
def g_cast(c):
    src = c.types("SrcT")
    dst = c.types("DstT")
    for s in src:
        for d in dst:
            if s == "bool" or d == "bool":
                vals = [0, 1, 1, 0] if s == "bool" else [0, 1, 2, 0, 3]
                if isf(s) or s in SINTS:
                    vals = vals + [-1]
            else:
                vals = [0, 1, 2, 3, 7, 100, 127]
                if (s in SINTS or isf(s)) and (d in SINTS or isf(d)):
                    vals += [-1, -100, -128]
                if isf(s) and isf(d):
                    vals += [0.5, -0.25, 2.75]
            c.add(f"{s}_to_{d}", [A(vals, s)], {"DstT": d, "Truncate": False})
    # out-of-range / special
    for s in ("float32", "float64"):
        for d in INTS + ["bool"]:
            if d in dst:
                c.add(f"special_{s}_to_{d}", [fspecial(s)], {"DstT": d, "Truncate": False})
        c.add(f"fractions_{s}_to_int32", [A([-2.7, -2.5, -0.5, -0.4, 0.4, 0.5, 1.5, 2.5, 2.7], s)],
              {"DstT": "int32", "Truncate": False})
    for s in ("int32", "int64", "uint32", "uint64"):
        for d in ("int8", "uint8", "int16", "float16", "float32", "bfloat16"):
            c.add(f"wrap_{s}_to_{d}", [iext(s)], {"DstT": d, "Truncate": False})
    for d in ("float16", "bfloat16", "float32"):
        c.add(f"special_float64_to_{d}_round", [A([1.0 + 2.0**-11, 1.0 + 3 * 2.0**-11, 1.0 + 2.0**-8, 1.0 + 3 * 2.0**-8,
                                                   65504.0, 65520.0, 1e6, 3.4e38, 3.5e38, 1e-8, 6e-8, 1e-40, 1e-46,
                                                   np.nan, -np.inf, -0.0], "float64")],
              {"DstT": d, "Truncate": False})
    for d in ("float16", "bfloat16"):
        c.add(f"truncate_float32_to_{d}", [A([1.0 + 2.0**-8 + 2.0**-12, 1.0 + 3 * 2.0**-8, -1.0 - 3 * 2.0**-8, 1.0 + 2.0**-11 + 2.0**-13, 3.0e38, np.nan], "float32")],
              {"DstT": d, "Truncate": True})
    c.add("empty_0x2", [np.zeros((0, 2), np.float32)], {"DstT": "int64", "Truncate": False})
    c.add("rank4_f32_to_f16", [c.rnd([2, 1, 3, 2], "float32")], {"DstT": "float16", "Truncate": False})


# ---- Select / SelectV2 / ClipByValue / BiasAdd --------------------------------

@gen("Select", "SelectV2")
def g_select(c):
    v2 = c.op == "SelectV2"
    for dt in c.types():
        c.add(f"{dt}_2x3", [c.rnd([2, 3], "bool"), c.rnd([2, 3], dt), c.rnd([2, 3], dt)])
    type_error_cases(c, lambda dt: ([c.rnd([2], "bool"), c.rnd([2], dt), c.rnd([2], dt)], {}))
    md = "float32"
    shapes = [([], [2, 3], [2, 3]), ([2], [2, 3], [2, 3]), ([2, 3, 4], [2, 3, 4], [2, 3, 4]),
              ([], [], []), ([0, 3], [0, 3], [0, 3])]
    if v2:
        shapes += [([3], [2, 3], [2, 3]), ([2, 1], [1, 3], [3]), ([2, 1, 4], [], [3, 1]), ([1], [], [])]
    else:
        shapes += [([3], [3, 2], [3, 2])]
    for sc, st, se in shapes:
        c.add(f"cond_{sname(sc)}_t_{sname(st)}_e_{sname(se)}", [c.rnd(sc, "bool"), c.rnd(st, md), c.rnd(se, md)])
    c.add("nan_branch", [B([True, False, True]), F32([np.nan, 1, -np.inf]), F32([2, np.nan, 3])])
    c.add("cond_not_bool", [F32([1, 0]), F32([1, 2]), F32([3, 4])])
    c.add("t_e_mismatch", [B([True, False]), F32([1, 2]), F32([3, 4, 5])])
    c.add("t_e_dtype_mismatch", [B([True, False]), F32([1, 2]), I32([3, 4])])
    c.add("cond_bad_shape", [c.rnd([3], "bool"), c.rnd([2, 3], md), c.rnd([2, 3], md)] if not v2 else
          [c.rnd([4], "bool"), c.rnd([2, 3], md), c.rnd([2, 3], md)])
    if not v2:
        c.add("cond_2x1_vs_2x3", [c.rnd([2, 1], "bool"), c.rnd([2, 3], md), c.rnd([2, 3], md)])


@gen("ClipByValue")
def g_clip(c):
    for dt in c.types():
        c.add(f"{dt}_scalar_bounds", [c.rnd([2, 4], dt, -10, 10), A(-3, dt) if dt not in UINTS else A(2, dt), A(4, dt)])
    type_error_cases(c, lambda dt: ([c.rnd([2], dt), c.rnd([], dt), c.rnd([], dt)], {}))
    md = "float32"
    c.add("tensor_bounds", [c.rnd([2, 3], md, -5, 5), c.rnd([2, 3], md, -3, 0), c.rnd([2, 3], md, 0, 3)])
    c.add("min_gt_max", [F32([-2, 0, 2, 5]), F32(3), F32(1)])
    c.add("nan_input", [F32([np.nan, -np.inf, np.inf, 1]), F32(-1), F32(1)])
    c.add("nan_bounds", [F32([0, 1, 2]), F32(np.nan), F32(1)])
    c.add("scalar_input", [F32(7), F32(0), F32(5)])
    c.add("empty", [np.zeros((0, 4), np.float32), F32(0), F32(1)])
    c.add("bounds_shape_mismatch", [c.rnd([2, 3], md), c.rnd([3], md), c.rnd([3], md)])
    c.add("bounds_wrong_size", [c.rnd([2, 3], md), c.rnd([2, 2], md), F32(1)])
    c.add("edges_int8", [iext("int8"), A(-100, "int8"), A(100, "int8")])


@gen("BiasAdd")
def g_biasadd(c):
    for dt in c.types():
        c.add(f"{dt}_2x3", [c.rnd([2, 3], dt), c.rnd([3], dt)], {"data_format": "NHWC"})
    type_error_cases(c, lambda dt: ([c.rnd([2, 3], dt), c.rnd([3], dt)], {}))
    md = "float32"
    c.add("rank3", [c.rnd([2, 3, 4], md), c.rnd([4], md)])
    c.add("rank4_nhwc", [c.rnd([2, 3, 3, 5], md), c.rnd([5], md)])
    c.add("rank4_nchw", [c.rnd([2, 5, 3, 3], md), c.rnd([5], md)], {"data_format": "NCHW"})
    c.add("rank3_nchw", [c.rnd([2, 4, 3], md), c.rnd([4], md)], {"data_format": "NCHW"})
    c.add("rank5_nhwc", [c.rnd([1, 2, 2, 2, 3], md), c.rnd([3], md)])
    c.add("empty_batch", [c.rnd([0, 3], md), c.rnd([3], md)])
    c.add("special", [fspecial("float32").reshape(-1, 1), F32([1.0])])
    c.add("bias_size_mismatch", [c.rnd([2, 3], md), c.rnd([4], md)])
    c.add("rank1_value", [c.rnd([3], md), c.rnd([3], md)])
    c.add("bias_rank2", [c.rnd([2, 3], md), c.rnd([1, 3], md)])
    c.add("bad_data_format", [c.rnd([2, 3], md), c.rnd([3], md)], {"data_format": "NWHC"})


# ---- linear algebra -----------------------------------------------------------

@gen("MatMul")
def g_matmul(c):
    for dt in c.types():
        c.add(f"{dt}_3x4_4x2", [c.rndx([3, 4], dt, -3, 3), c.rndx([4, 2], dt, -3, 3)])
    type_error_cases(c, lambda dt: ([c.rnd([2, 2], dt), c.rnd([2, 2], dt)], {}))
    md = "float32"
    for ta in (False, True):
        for tb in (False, True):
            a = c.rnd([5, 3] if ta else [3, 5], md)
            b = c.rnd([4, 5] if tb else [5, 4], md)
            c.add(f"transpose_a_{int(ta)}_b_{int(tb)}", [a, b], {"transpose_a": ta, "transpose_b": tb})
    c.add("large_64x64x64", [c.rnd([64, 64], md, -1, 1), c.rnd([64, 64], md, -1, 1)], atol=1e-5)
    c.add("large_float64_32x48x40", [c.rnd([32, 48], "float64", -1, 1), c.rnd([48, 40], "float64", -1, 1)])
    c.add("vec_1x7_7x1", [c.rnd([1, 7], md), c.rnd([7, 1], md)])
    c.add("k_zero", [c.rnd([3, 0], md), c.rnd([0, 2], md)])
    c.add("m_zero", [c.rnd([0, 4], md), c.rnd([4, 2], md)])
    c.add("special_float32", [F32([[np.inf, 0.0], [np.nan, 1.0], [1e30, 1e30]]), F32([[0.0, 1.0], [1.0, 1e10]])])
    c.add("int32_overflow", [I32([[2**30, 2**30]]), I32([[2], [2]])] if "int32" in c.types() else [F32([[1]]), F32([[1]])])
    c.add("inner_mismatch", [c.rnd([2, 3], md), c.rnd([4, 2], md)])
    c.add("rank3_input", [c.rnd([2, 2, 3], md), c.rnd([3, 2], md)])
    c.add("rank1_input", [c.rnd([3], md), c.rnd([3, 2], md)])
    c.add("transpose_mismatch", [c.rnd([2, 3], md), c.rnd([2, 3], md)], {"transpose_b": False})


@gen("BatchMatMul", "BatchMatMulV2", "BatchMatMulV3")
def g_bmm(c):
    v3 = c.op == "BatchMatMulV3"
    bcast = c.op != "BatchMatMul"

    def at(dt_a, dt_out=None, **kw):
        d = dict(kw)
        if v3:
            d["Tout"] = dt_out or dt_a
        return d

    if v3:
        combos = kernel_combos(c.op, ["Ta", "Tb", "Tout"])
        seen = set()
        for cb in combos:
            key = (cb["Ta"], cb["Tb"], cb["Tout"])
            if key in seen:
                continue
            seen.add(key)
            c.add(f"{cb['Ta']}_{cb['Tb']}_to_{cb['Tout']}", [c.rndx([2, 2, 3], cb["Ta"], -3, 3), c.rndx([2, 3, 2], cb["Tb"], -3, 3)],
                  {"Tout": cb["Tout"]})
        if not combos:
            for dt in c.types("Ta"):
                c.add(f"{dt}_2x2x3_2x3x2", [c.rndx([2, 2, 3], dt, -3, 3), c.rndx([2, 3, 2], dt, -3, 3)], at(dt))
        c.add("tout_mismatch_f32_to_i32", [c.rnd([1, 2, 2], "float32"), c.rnd([1, 2, 2], "float32")], {"Tout": "int32"})
        c.add("int8_int8_to_int8", [c.rnd([1, 2, 2], "int8"), c.rnd([1, 2, 2], "int8")], {"Tout": "int8"})
    else:
        for dt in c.types():
            c.add(f"{dt}_2x2x3_2x3x2", [c.rndx([2, 2, 3], dt, -3, 3), c.rndx([2, 3, 2], dt, -3, 3)])
        type_error_cases(c, lambda dt: ([c.rnd([1, 2, 2], dt), c.rnd([1, 2, 2], dt)], {}))
    md = "float32"
    for ax in (False, True):
        for ay in (False, True):
            x = c.rnd([3, 4, 2] if ax else [3, 2, 4], md)
            y = c.rnd([3, 5, 4] if ay else [3, 4, 5], md)
            c.add(f"adj_x_{int(ax)}_adj_y_{int(ay)}", [x, y], at(md, adj_x=ax, adj_y=ay))
    c.add("rank2", [c.rnd([3, 4], md), c.rnd([4, 2], md)], at(md))
    c.add("rank4_same_batch", [c.rnd([2, 3, 2, 4], md), c.rnd([2, 3, 4, 3], md)], at(md))
    c.add("large_8x16x32x16", [c.rnd([8, 16, 32], md, -1, 1), c.rnd([8, 32, 16], md, -1, 1)], at(md), atol=1e-5)
    c.add("empty_batch", [c.rnd([0, 2, 3], md), c.rnd([0, 3, 2], md)], at(md))
    c.add("k_zero", [c.rnd([2, 2, 0], md), c.rnd([2, 0, 3], md)], at(md))
    if bcast:
        c.add("bcast_2x1x3x4_5x4x2", [c.rnd([2, 1, 3, 4], md), c.rnd([5, 4, 2], md)], at(md))
        c.add("bcast_rank2_rank3", [c.rnd([3, 4], md), c.rnd([2, 4, 5], md)], at(md))
        c.add("bcast_1x2x3_4x3x2", [c.rnd([1, 2, 3], md), c.rnd([4, 3, 2], md)], at(md))
        c.add("bcast_incompatible", [c.rnd([2, 2, 3], md), c.rnd([3, 3, 2], md)], at(md))
    else:
        c.add("batch_mismatch", [c.rnd([2, 2, 3], md), c.rnd([1, 3, 2], md)], at(md))
    c.add("inner_mismatch", [c.rnd([2, 2, 3], md), c.rnd([2, 4, 2], md)], at(md))
    c.add("rank1", [c.rnd([3], md), c.rnd([3], md)], at(md))


EINSUM_EQS = [
    ("abc,cd->abd", [[2, 3, 4], [4, 5]]),
    ("abcd,cde->abe", [[2, 3, 4, 5], [4, 5, 3]]),
    ("aecd,abcd->acbe", [[2, 3, 4, 5], [2, 6, 4, 5]]),
    ("acbe,aecd->abcd", [[2, 4, 3, 5], [2, 5, 4, 6]]),
    ("abc,cde->abde", [[2, 3, 4], [4, 2, 5]]),
    ("ij,jk->ik", [[3, 4], [4, 5]]),
    ("bij,bjk->bik", [[2, 3, 4], [2, 4, 5]]),
    ("...ij,...jk->...ik", [[2, 3, 4], [2, 4, 2]]),
    ("...ij,...jk->...ik", [[2, 1, 3, 4], [5, 4, 2]]),
    ("ij->ji", [[3, 4]]),
    ("ii->i", [[4, 4]]),
    ("ij->", [[3, 4]]),
    ("ij,ij->i", [[3, 4], [3, 4]]),
    ("i,j->ij", [[3], [4]]),
    ("abc,cd", [[2, 3, 4], [4, 5]]),
    ("ab,bc->ac", [[2, 0], [0, 3]]),
]


@gen("Einsum")
def g_einsum(c):
    md = "float32"
    seen = {}
    for eq, shapes in EINSUM_EQS:
        base = eq.replace("...", "E").replace(",", "_").replace("->", "_to_") or "empty"
        n = seen.get(base, 0)
        seen[base] = n + 1
        name = base if n == 0 else f"{base}_{n}"
        c.add(name, [c.rnd(s, md) for s in shapes], {"equation": eq})
    for dt in c.types():
        if dt == md:
            continue
        c.add(f"{dt}_abc_cd", [c.rndx([2, 3, 4], dt, -3, 3), c.rndx([4, 2], dt, -3, 3)], {"equation": "abc,cd->abd"})
    type_error_cases(c, lambda dt: ([c.rnd([2, 2], dt), c.rnd([2, 2], dt)], {"equation": "ij,jk->ik"}))
    c.add("large_abc_cd", [c.rnd([4, 16, 64], md, -1, 1), c.rnd([64, 32], md, -1, 1)], {"equation": "abc,cd->abd"}, atol=1e-5)
    c.add("dim_mismatch", [c.rnd([2, 3], md), c.rnd([4, 5], md)], {"equation": "ij,jk->ik"})
    c.add("bad_equation", [c.rnd([2, 3], md), c.rnd([3, 5], md)], {"equation": "ij,jk->iq"})
    c.add("rank_mismatch", [c.rnd([2, 3, 4], md), c.rnd([3, 5], md)], {"equation": "ij,jk->ik"})
    c.add("operand_count_mismatch", [c.rnd([2, 3], md)], {"equation": "ij,jk->ik"})
    # Keras 3 attention: scores (key transposed by a strided gather), then
    # scores times values.
    c.add("BTNH_BSNH_to_BNTS", [c.rnd([2, 5, 3, 4], md), c.rnd([2, 6, 3, 4], md)], {"equation": "BTNH,BSNH->BNTS"})
    c.add("BNTS_BSNH_to_BTNH", [c.rnd([2, 3, 5, 6], md), c.rnd([2, 6, 3, 4], md)], {"equation": "BNTS,BSNH->BTNH"})


# ---- NN ---------------------------------------------------------------------

def conv_out(c_, n, h, w, ci, fh, fw, co, dt="float32"):
    return [c_.rndx([n, h, w, ci], dt, -2, 2), c_.rndx([fh, fw, ci, co], dt, -2, 2)]


@gen("Conv2D")
def g_conv2d(c):
    def at(strides=(1, 1), padding="VALID", dil=(1, 1), ep=None, fmt="NHWC"):
        return {"strides": [1, strides[0], strides[1], 1], "padding": padding,
                "dilations": [1, dil[0], dil[1], 1], "explicit_paddings": ep or [],
                "data_format": fmt, "use_cudnn_on_gpu": True}

    for dt in c.types():
        c.add(f"{dt}_valid_3x3", conv_out(c, 1, 5, 5, 2, 3, 3, 3, dt), at())
    type_error_cases(c, lambda dt: (conv_out(c, 1, 3, 3, 1, 2, 2, 1, "float32")[:0] + [c.rnd([1, 3, 3, 1], dt), c.rnd([2, 2, 1, 1], dt)], at()))
    c.add("valid_s1", conv_out(c, 2, 6, 7, 3, 3, 2, 4), at())
    c.add("same_s1", conv_out(c, 1, 5, 6, 2, 3, 3, 3), at(padding="SAME"))
    c.add("same_s2", conv_out(c, 2, 7, 8, 3, 3, 3, 2), at((2, 2), "SAME"))
    c.add("same_s2_even_k", conv_out(c, 1, 6, 6, 2, 4, 4, 2), at((2, 2), "SAME"))
    c.add("valid_s2x3", conv_out(c, 1, 9, 10, 2, 3, 2, 2), at((2, 3)))
    c.add("same_dil2", conv_out(c, 1, 8, 8, 2, 3, 3, 2), at(padding="SAME", dil=(2, 2)))
    c.add("valid_dil2x3", conv_out(c, 1, 9, 10, 1, 2, 3, 2), at(dil=(2, 3)))
    c.add("explicit_pad", conv_out(c, 1, 5, 5, 2, 3, 3, 2), at(padding="EXPLICIT", ep=[0, 0, 1, 2, 0, 3, 0, 0]))
    c.add("explicit_pad_s2", conv_out(c, 2, 6, 5, 1, 3, 3, 2), at((2, 2), "EXPLICIT", ep=[0, 0, 2, 1, 1, 1, 0, 0]))
    c.add("filter_1x1", conv_out(c, 2, 3, 3, 4, 1, 1, 5), at())
    c.add("filter_eq_input", conv_out(c, 1, 4, 4, 3, 4, 4, 2), at())
    c.add("large_1x16x16x8_k3x3x8x16", [c.rnd([1, 16, 16, 8], "float32", -1, 1), c.rnd([3, 3, 8, 16], "float32", -1, 1)],
          at(padding="SAME"), atol=1e-5)
    c.add("grouped_in4_filter_in2", [c.rnd([1, 4, 4, 4], "float32"), c.rnd([3, 3, 2, 4], "float32")], at(padding="SAME"))
    c.add("empty_batch", [c.rnd([0, 4, 4, 2], "float32"), c.rnd([3, 3, 2, 2], "float32")], at())
    c.add("special", [F32([np.nan, 1, np.inf, 0, 1, 2, -np.inf, 3, 4]).reshape(1, 3, 3, 1), F32([1, 1, 1, 1]).reshape(2, 2, 1, 1)], at())
    c.add("stride_and_dilation", conv_out(c, 1, 9, 9, 1, 3, 3, 1), at((2, 2), "VALID", dil=(2, 2)))
    # invalid
    c.add("filter_larger_than_input", conv_out(c, 1, 3, 3, 1, 4, 4, 1), at())
    c.add("channel_mismatch", [c.rnd([1, 4, 4, 3], "float32"), c.rnd([2, 2, 2, 1], "float32")], at())
    c.add("zero_stride", conv_out(c, 1, 4, 4, 1, 2, 2, 1), at((0, 1)))
    c.add("negative_stride", conv_out(c, 1, 4, 4, 1, 2, 2, 1), at((-1, 1)))
    c.add("batch_stride", conv_out(c, 1, 4, 4, 1, 2, 2, 1), {**at(), "strides": [2, 1, 1, 1]})
    c.add("zero_dilation", conv_out(c, 1, 4, 4, 1, 2, 2, 1), at(dil=(0, 1)))
    c.add("strides_len3", conv_out(c, 1, 4, 4, 1, 2, 2, 1), {**at(), "strides": [1, 1, 1]})
    c.add("explicit_pad_wrong_len", conv_out(c, 1, 4, 4, 1, 2, 2, 1), at(padding="EXPLICIT", ep=[0, 0, 1, 1, 1, 1]))
    c.add("explicit_pad_negative", conv_out(c, 1, 4, 4, 1, 2, 2, 1), at(padding="EXPLICIT", ep=[0, 0, -1, 1, 1, 1, 0, 0]))
    c.add("explicit_pad_with_same", conv_out(c, 1, 4, 4, 1, 2, 2, 1), at(padding="SAME", ep=[0, 0, 1, 1, 1, 1, 0, 0]))
    c.add("bad_padding_string", conv_out(c, 1, 4, 4, 1, 2, 2, 1), at(padding="FULL"))
    c.add("nchw_on_cpu", [c.rnd([1, 2, 4, 4], "float32"), c.rnd([2, 2, 2, 3], "float32")], at(fmt="NCHW"))
    c.add("input_rank3", [c.rnd([4, 4, 1], "float32"), c.rnd([2, 2, 1, 1], "float32")], at())
    c.add("filter_rank3", [c.rnd([1, 4, 4, 1], "float32"), c.rnd([2, 2, 1], "float32")], at())


@gen("DepthwiseConv2dNative")
def g_dw(c):
    def at(strides=(1, 1), padding="VALID", dil=(1, 1), ep=None, fmt="NHWC"):
        return {"strides": [1, strides[0], strides[1], 1], "padding": padding,
                "dilations": [1, dil[0], dil[1], 1], "explicit_paddings": ep or [], "data_format": fmt}

    def io(n, h, w, ci, fh, fw, mult, dt="float32"):
        return [c.rndx([n, h, w, ci], dt, -2, 2), c.rndx([fh, fw, ci, mult], dt, -2, 2)]

    for dt in c.types():
        c.add(f"{dt}_valid_3x3", io(1, 5, 5, 2, 3, 3, 1, dt), at())
    type_error_cases(c, lambda dt: ([c.rnd([1, 3, 3, 1], dt), c.rnd([2, 2, 1, 1], dt)], at()))
    c.add("valid_mult2", io(2, 6, 5, 3, 3, 2, 2), at())
    c.add("same_s1", io(1, 5, 6, 2, 3, 3, 1), at(padding="SAME"))
    c.add("same_s2", io(1, 7, 8, 3, 3, 3, 2), at((2, 2), "SAME"))
    c.add("same_dil2", io(1, 8, 8, 2, 3, 3, 1), at(padding="SAME", dil=(2, 2)))
    c.add("explicit_pad", io(1, 5, 5, 2, 3, 3, 1), at(padding="EXPLICIT", ep=[0, 0, 1, 0, 2, 1, 0, 0]))
    c.add("large_1x16x16x16", [c.rnd([1, 16, 16, 16], "float32", -1, 1), c.rnd([3, 3, 16, 1], "float32", -1, 1)], at(padding="SAME"), atol=1e-5)
    c.add("empty_batch", io(0, 4, 4, 2, 3, 3, 1), at())
    c.add("channel_mismatch", [c.rnd([1, 4, 4, 3], "float32"), c.rnd([2, 2, 2, 1], "float32")], at())
    c.add("zero_stride", io(1, 4, 4, 1, 2, 2, 1), at((0, 0)))
    c.add("unequal_strides", io(1, 5, 5, 1, 2, 2, 1), at((1, 2)))
    c.add("filter_larger_than_input", io(1, 2, 2, 1, 3, 3, 1), at())
    c.add("explicit_pad_wrong_len", io(1, 4, 4, 1, 2, 2, 1), at(padding="EXPLICIT", ep=[0, 0, 1, 1]))
    c.add("nchw_on_cpu", [c.rnd([1, 2, 4, 4], "float32"), c.rnd([2, 2, 2, 1], "float32")], at(fmt="NCHW"))


@gen("Conv2DBackpropInput")
def g_conv_bp(c):
    def at(strides=(1, 1), padding="VALID", dil=(1, 1), ep=None, fmt="NHWC"):
        return {"strides": [1, strides[0], strides[1], 1], "padding": padding,
                "dilations": [1, dil[0], dil[1], 1], "explicit_paddings": ep or [],
                "data_format": fmt, "use_cudnn_on_gpu": True}

    def io(insz, fsz, outsz, dt="float32"):
        return [I32(insz), c.rndx(fsz, dt, -2, 2), c.rndx(outsz, dt, -2, 2)]

    for dt in c.types():
        c.add(f"{dt}_valid", io([1, 5, 5, 2], [3, 3, 2, 3], [1, 3, 3, 3], dt), at())
    type_error_cases(c, lambda dt: ([I32([1, 3, 3, 1]), c.rnd([2, 2, 1, 1], dt), c.rnd([1, 2, 2, 1], dt)], at()))
    c.add("same_s2", io([2, 8, 8, 3], [3, 3, 3, 2], [2, 4, 4, 2]), at((2, 2), "SAME"))
    c.add("same_s2_odd", io([1, 7, 7, 2], [3, 3, 2, 2], [1, 4, 4, 2]), at((2, 2), "SAME"))
    c.add("valid_s2", io([1, 7, 7, 1], [3, 3, 1, 2], [1, 3, 3, 2]), at((2, 2), "VALID"))
    c.add("valid_s2_extra_row", io([1, 8, 8, 1], [3, 3, 1, 2], [1, 3, 3, 2]), at((2, 2), "VALID"))
    c.add("same_s1", io([1, 5, 6, 2], [3, 3, 2, 3], [1, 5, 6, 3]), at(padding="SAME"))
    c.add("dil2", io([1, 7, 7, 1], [3, 3, 1, 1], [1, 3, 3, 1]), at(dil=(2, 2)))
    c.add("explicit", io([1, 5, 5, 1], [3, 3, 1, 2], [1, 7, 4, 2]), at(padding="EXPLICIT", ep=[0, 0, 2, 2, 1, 0, 0, 0]))
    c.add("input_sizes_int64", [I64([1, 5, 5, 2]), c.rnd([3, 3, 2, 3], "float32"), c.rnd([1, 3, 3, 3], "float32")], at())
    c.add("large_transpose_conv", [I32([1, 16, 16, 8]), c.rnd([3, 3, 8, 16], "float32", -1, 1), c.rnd([1, 8, 8, 16], "float32", -1, 1)],
          at((2, 2), "SAME"), atol=1e-5)
    c.add("out_backprop_shape_mismatch", io([1, 5, 5, 2], [3, 3, 2, 3], [1, 4, 4, 3]), at())
    c.add("input_sizes_len3", io([5, 5, 2], [3, 3, 2, 3], [1, 3, 3, 3]), at())
    c.add("channel_mismatch", io([1, 5, 5, 4], [3, 3, 2, 3], [1, 3, 3, 3]), at())
    c.add("negative_input_size", io([1, -5, 5, 2], [3, 3, 2, 3], [1, 3, 3, 3]), at())
    c.add("zero_stride", io([1, 5, 5, 2], [3, 3, 2, 3], [1, 3, 3, 3]), at((0, 1)))


@gen("MaxPool", "AvgPool")
def g_pool(c):
    avg = c.op == "AvgPool"

    def at(k=(2, 2), s=(2, 2), padding="VALID", fmt="NHWC", ep=None):
        d = {"ksize": [1, k[0], k[1], 1], "strides": [1, s[0], s[1], 1], "padding": padding, "data_format": fmt}
        if not avg:
            d["explicit_paddings"] = ep or []
        return d

    for dt in c.types():
        c.add(f"{dt}_2x2_s2", [c.rndx([1, 4, 4, 2], dt, -5, 5)], at())
    type_error_cases(c, lambda dt: ([c.rnd([1, 2, 2, 1], dt)], at()))
    md = "float32"
    c.add("k3_s1_same", [c.rnd([2, 5, 5, 3], md)], at((3, 3), (1, 1), "SAME"))
    c.add("k3_s2_same", [c.rnd([1, 7, 6, 2], md)], at((3, 3), (2, 2), "SAME"))
    c.add("k2_s2_same_odd", [c.rnd([1, 5, 5, 1], md)], at((2, 2), (2, 2), "SAME"))
    c.add("k3_s2_valid", [c.rnd([1, 7, 7, 2], md)], at((3, 3), (2, 2), "VALID"))
    c.add("k2x3_s1x2", [c.rnd([1, 6, 7, 1], md)], at((2, 3), (1, 2), "VALID"))
    c.add("k1_s1", [c.rnd([1, 3, 3, 2], md)], at((1, 1), (1, 1)))
    c.add("global", [c.rnd([2, 4, 5, 3], md)], at((4, 5), (1, 1)))
    c.add("k_gt_stride_same", [c.rnd([1, 8, 8, 1], md)], at((5, 5), (3, 3), "SAME"))
    c.add("special", [F32([np.nan, 1, -np.inf, 2, np.inf, 3, 0, -0.0, 5, 6, 7, 8, -1, -2, -3, -4]).reshape(1, 4, 4, 1)], at())
    c.add("all_neg_inf_same", [F32([-np.inf] * 9).reshape(1, 3, 3, 1)], at((2, 2), (2, 2), "SAME"))
    c.add("empty_batch", [c.rnd([0, 4, 4, 1], md)], at())
    c.add("large_1x32x32x4", [c.rnd([1, 32, 32, 4], md)], at((3, 3), (2, 2), "SAME"))
    if not avg:
        c.add("explicit_pad", [c.rnd([1, 5, 5, 1], md)], at((3, 3), (2, 2), "EXPLICIT", ep=[0, 0, 1, 1, 1, 1, 0, 0]))
        c.add("explicit_pad_wrong_len", [c.rnd([1, 5, 5, 1], md)], at((3, 3), (2, 2), "EXPLICIT", ep=[0, 0, 1, 1]))
        c.add("edges_int8", [iext("int8")[:8].reshape(1, 2, 4, 1)], at((2, 2), (2, 2)))
    c.add("ksize_gt_input_valid", [c.rnd([1, 2, 2, 1], md)], at((3, 3), (1, 1)))
    c.add("ksize_zero", [c.rnd([1, 4, 4, 1], md)], at((0, 2), (1, 1)))
    c.add("stride_zero", [c.rnd([1, 4, 4, 1], md)], at((2, 2), (0, 1)))
    c.add("ksize_batch", [c.rnd([2, 4, 4, 1], md)], {**at(), "ksize": [2, 2, 2, 1]})
    c.add("ksize_len3", [c.rnd([1, 4, 4, 1], md)], {**at(), "ksize": [1, 2, 2]})
    c.add("input_rank3", [c.rnd([4, 4, 1], md)], at())
    c.add("nchw_on_cpu", [c.rnd([1, 2, 4, 4], md)], {"ksize": [1, 1, 2, 2], "strides": [1, 1, 2, 2], "padding": "VALID", "data_format": "NCHW"})


@gen("FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3")
def g_fbn(c):
    v1 = c.op == "FusedBatchNorm"

    def ins(shape, dt="float32", uc=None, cdim=-1, var_lo=0.1):
        ch = shape[cdim]
        u = "float32"
        return [c.rnd(shape, dt, -3, 3), c.rnd([ch], u, 0.5, 2), c.rnd([ch], u, -1, 1),
                c.rnd([ch], u, -1, 1), c.rnd([ch], u, var_lo, 2)]

    def at(eps=0.001, fmt="NHWC", U=None):
        d = {"epsilon": eps, "data_format": fmt, "is_training": False, "exponential_avg_factor": 1.0}
        if not v1:
            d["U"] = U or "float32"
        return d

    for dt in c.types():
        c.add(f"{dt}_nhwc", ins([2, 3, 3, 4], dt), at())
    type_error_cases(c, lambda dt: (ins([1, 2, 2, 2], dt), at()))
    c.add("all_outputs", ins([1, 2, 2, 3]), at())
    c.add("nhwc_eps_1e-5", ins([2, 4, 3, 5]), at(1e-5))
    c.add("nchw", ins([2, 3, 2, 2], cdim=1), at(fmt="NCHW"))
    c.add("zero_variance", ins([1, 2, 2, 3], var_lo=0.0)[:4] + [F32([0, 0, 0])], at(1e-3))
    c.add("special_x", [fspecial("float32")[:12].reshape(1, 2, 2, 3), F32([1, 1, 1]), F32([0, 0, 0]), F32([0, 0, 0]), F32([1, 1, 1])], at())
    c.add("negative_variance", ins([1, 2, 2, 2])[:4] + [F32([-0.5, 1.0])], at(0.001))
    c.add("empty_batch", ins([0, 2, 2, 3]), at())
    c.add("large_1x16x16x16", ins([1, 16, 16, 16]), at())
    c.add("scale_wrong_size", ins([1, 2, 2, 3])[:1] + [F32([1, 1])] + ins([1, 2, 2, 3])[2:], at())
    c.add("x_rank3", ins([2, 2, 3]), at())
    c.add("mean_rank2", ins([1, 2, 2, 3])[:3] + [F32([[0, 0, 0]])] + ins([1, 2, 2, 3])[4:], at())
    if not v1:
        c.add("U_float16", ins([1, 2, 2, 3], "float16")[:1] + [x.astype(np.float16) for x in ins([1, 2, 2, 3])[1:]], at(U="float16"))
    # which outputs to fetch: by default only y (op:0); all_outputs also fetches batch_mean and
    # batch_variance (op:1, op:2). reserve_space_* are uninitialized memory in inference mode.
    for case in c.cases:
        case["fetch"] = ["op:0", "op:1", "op:2"] if case["name"] == "all_outputs" else ["op:0"]


@gen("Softmax", "LogSoftmax")
def g_softmax(c):
    for dt in c.types():
        c.add(f"{dt}_2x5", [c.rnd([2, 5], dt)])
    type_error_cases(c, lambda dt: ([c.rnd([2, 3], dt)], {}))
    md = "float32"
    c.add("rank1", [c.rnd([7], md)])
    c.add("rank3", [c.rnd([2, 3, 4], md)])
    c.add("rank4", [c.rnd([2, 2, 3, 5], md)])
    c.add("large_values", [F32([[1000, 1001, 1002], [-1000, -1001, -1002], [88, 89, 90]])])
    c.add("with_neg_inf", [F32([[0, -np.inf, 1], [-np.inf, -np.inf, 0]])])
    c.add("all_neg_inf", [F32([[-np.inf, -np.inf]])])
    c.add("with_inf", [F32([[np.inf, 0, 1], [np.inf, np.inf, 0]])])
    c.add("with_nan", [F32([[np.nan, 0, 1]])])
    c.add("width1", [c.rnd([4, 1], md)])
    c.add("empty_rows", [c.rnd([0, 3], md)])
    c.add("empty_classes", [c.rnd([3, 0], md)])
    c.add("wide_1x1000", [c.rnd([1, 1000], md, -20, 20)])
    c.add("scalar", [F32(1.0)])
    # Rows wide enough for whole vector registers plus a tail (37 = 2x16 + 5),
    # with special values both in the vector part and in the tail.
    w = c.rnd([6, 37], md, -20, 20)
    w[0, 3] = np.nan
    w[1, 35] = np.nan
    w[2, 5], w[2, 30] = np.inf, -np.inf
    w[3, :] = -np.inf
    w[4, :], w[4, 33] = -np.inf, 2.0
    w[5, 7], w[5, 36] = 88.0, 89.0
    c.add("wide_specials_6x37", [w])
    c.add("attention_1x2x4x128", [c.rnd([1, 2, 4, 128], md, -8, 8)])


@gen("ResizeBilinear", "ResizeNearestNeighbor")
def g_resize(c):
    md = "float32"

    def at(ac=False, hp=False):
        return {"align_corners": ac, "half_pixel_centers": hp}

    for dt in c.types():
        c.add(f"{dt}_up_2x3_to_4x5", [c.rndx([1, 2, 3, 2], dt, -4, 4), I32([4, 5])], at(hp=True))
    type_error_cases(c, lambda dt: ([c.rnd([1, 2, 2, 1], dt), I32([3, 3])], at()))
    for ac, hp in ((False, False), (True, False), (False, True)):
        for src, dst in (([3, 4], [5, 7]), ([5, 6], [2, 3]), ([4, 4], [8, 8]), ([4, 4], [4, 4]), ([1, 1], [3, 2]),
                         ([3, 3], [1, 1])):
            c.add(f"ac{int(ac)}_hp{int(hp)}_{sname(src)}_to_{sname(dst)}",
                  [c.rnd([2, src[0], src[1], 2], md), I32(dst)], at(ac, hp))
    c.add("both_true", [c.rnd([1, 3, 3, 1], md), I32([5, 5])], at(True, True))
    c.add("int_input_uint8", [c.rnd([1, 3, 3, 1], "uint8", 0, 255) if "uint8" in c.types() else c.rnd([1, 3, 3, 1], md), I32([5, 4])], at(hp=True))
    c.add("special", [F32([np.nan, 1, np.inf, 2]).reshape(1, 2, 2, 1), I32([3, 3])], at(hp=True))
    c.add("empty_batch", [c.rnd([0, 2, 2, 1], md), I32([3, 3])], at())
    c.add("size_zero", [c.rnd([1, 2, 2, 1], md), I32([0, 3])], at())
    c.add("size_negative", [c.rnd([1, 2, 2, 1], md), I32([-1, 3])], at())
    c.add("size_len3", [c.rnd([1, 2, 2, 1], md), I32([3, 3, 3])], at())
    c.add("size_int64", [c.rnd([1, 2, 2, 1], md), I64([3, 3])], at())
    c.add("images_rank3", [c.rnd([2, 2, 1], md), I32([3, 3])], at())
    c.add("large_1x16x16x4_to_32x32", [c.rnd([1, 16, 16, 4], md), I32([32, 32])], at(hp=True))


@gen("TopKV2")
def g_topk(c):
    for dt in c.types():
        c.add(f"{dt}_k3", [c.rnd([2, 6], dt, -20, 20), I32(3)])
    type_error_cases(c, lambda dt: ([c.rnd([4], dt), I32(2)], {}))
    md = "float32"
    c.add("rank1_k1", [c.rnd([8], md), I32(1)])
    c.add("k_eq_n", [c.rnd([3, 5], md), I32(5)])
    c.add("k0", [c.rnd([3, 5], md), I32(0)])
    c.add("ties", [F32([[1, 3, 3, 2, 3, 1], [0, 0, 0, 0, 0, 0]]), I32(4)])
    c.add("rank3", [c.rnd([2, 3, 6], md), I32(2)])
    c.add("special", [F32([1, np.inf, -np.inf, 0, -0.0, 5, 3]), I32(7)])
    c.add("with_nan", [F32([1, np.nan, 3, 2]), I32(2)])
    c.add("int_edges", [iext("int32"), I32(4)])
    c.add("k_int64", [c.rnd([5], md), I64(2)])
    c.add("index_type_int64", [c.rnd([5], md), I32(2)], {"index_type": "int64"})
    c.add("k_gt_n", [c.rnd([3, 4], md), I32(5)])
    c.add("k_negative", [c.rnd([3, 4], md), I32(-1)])
    c.add("scalar_input", [F32(1), I32(1)])
    c.add("k_not_scalar", [c.rnd([3, 4], md), I32([1])])
    c.add("empty_rows", [c.rnd([0, 4], md), I32(2)])


@gen("ArgMax", "ArgMin")
def g_argmax(c):
    for dt in c.types():
        c.add(f"{dt}_axis1", [c.rnd([3, 4], dt, -3, 3), I32(1)])
    type_error_cases(c, lambda dt: ([c.rnd([3], dt), I32(0)], {}))
    md = "float32"
    c.add("axis0", [c.rnd([3, 4], md), I32(0)])
    c.add("axis_neg1", [c.rnd([2, 3, 4], md), I32(-1)])
    c.add("axis_neg3", [c.rnd([2, 3, 4], md), I32(-3)])
    c.add("axis_int64", [c.rnd([2, 3], md), I64(1)])
    c.add("output_int32", [c.rnd([2, 3], md), I32(1)], {"output_type": "int32"})
    c.add("ties_first_index", [F32([[1, 3, 3, 0], [2, 2, 2, 2]]), I32(1)])
    c.add("with_nan", [F32([[1, np.nan, 3], [np.nan, 0, 0]]), I32(1)])
    c.add("with_inf", [F32([[1, np.inf, -np.inf]]), I32(1)])
    c.add("rank1", [c.rnd([6], md), I32(0)])
    c.add("empty_other_dim", [c.rnd([0, 3], md), I32(1)])
    c.add("empty_reduced_dim", [c.rnd([3, 0], md), I32(1)])
    c.add("axis_out_of_range", [c.rnd([2, 3], md), I32(2)])
    c.add("scalar_input", [F32(1), I32(0)])
    c.add("axis_not_scalar", [c.rnd([2, 3], md), I32([0])])


# ---- array / shape ops ----------------------------------------------------------

@gen("IdentityN")
def g_identityn(c):
    c.add("mixed_types", [c.rnd([2, 3], "float32"), c.rnd([4], "int32"), c.rnd([], "bool"), c.rnd([1, 2], "bfloat16")])
    for dt in ALL:
        c.add(f"single_{dt}", [c.rnd([3], dt)])
    c.add("empty_tensor", [np.zeros((0, 2), np.float32), c.rnd([2], "int64")])
    c.add("uint_edges", [iext("uint64"), iext("uint32")])
    c.add("wrong_type_list", [F32([1]), I32([2])], {"T": ["float32", "float32"]})


@gen("EnsureShape")
def g_ensure(c):
    for dt in c.types():
        c.add(f"{dt}_exact", [c.rnd([2, 3], dt)], {"shape": Shape([2, 3])})
    md = "float32"
    c.add("partial", [c.rnd([2, 3], md)], {"shape": Shape([-1, 3])})
    c.add("unknown_rank", [c.rnd([2, 3], md)], {"shape": Shape(None)})
    c.add("all_unknown_dims", [c.rnd([2, 3, 1], md)], {"shape": Shape([-1, -1, -1])})
    c.add("scalar", [c.rnd([], md)], {"shape": Shape([])})
    c.add("empty", [c.rnd([0, 4], md)], {"shape": Shape([0, 4])})
    c.add("dim_mismatch", [c.rnd([2, 3], md)], {"shape": Shape([3, 2])})
    c.add("rank_mismatch", [c.rnd([2, 3], md)], {"shape": Shape([2, 3, 1])})
    c.add("partial_mismatch", [c.rnd([2, 3], md)], {"shape": Shape([-1, 4])})


@gen("Const")
def g_const(c):
    for dt in ALL:
        v = c.rnd([2, 3], dt)
        c.add(f"{dt}_2x3", [], {"dtype": dt, "value": v})
    for dt in ("float32", "int64", "bool"):
        c.add(f"{dt}_scalar", [], {"dtype": dt, "value": c.rnd([], dt)})
    c.add("empty_0x3", [], {"dtype": "float32", "value": np.zeros((0, 3), np.float32)})
    c.add("special_float32", [], {"dtype": "float32", "value": fspecial("float32")})
    c.add("uint64_edges", [], {"dtype": "uint64", "value": iext("uint64")})
    # typed-field protos as untrusted models hand them over
    tp = tensor_pb2.TensorProto(dtype=tf.float32.as_datatype_enum, tensor_shape=shape_proto([2, 3]))
    tp.float_val.extend([1.5])
    c.add("splat_float_val", [], {"dtype": "float32", "value": tp})
    tp = tensor_pb2.TensorProto(dtype=tf.int32.as_datatype_enum, tensor_shape=shape_proto([5]))
    tp.int_val.extend([1, 2])
    c.add("partial_int_val_repeat_last", [], {"dtype": "int32", "value": tp})
    tp = tensor_pb2.TensorProto(dtype=tf.float32.as_datatype_enum, tensor_shape=shape_proto([2, 2]))
    c.add("no_values_zero_fill", [], {"dtype": "float32", "value": tp})
    tp = tensor_pb2.TensorProto(dtype=tf.int64.as_datatype_enum, tensor_shape=shape_proto([3]))
    tp.int64_val.extend([-1, 2**62, -2**63])
    c.add("int64_val_field", [], {"dtype": "int64", "value": tp})
    tp = tensor_pb2.TensorProto(dtype=tf.float16.as_datatype_enum, tensor_shape=shape_proto([3]))
    tp.half_val.extend([0x3C00, 0x7C00, 0x8001])
    c.add("half_val_bits", [], {"dtype": "float16", "value": tp})
    tp = tensor_pb2.TensorProto(dtype=tf.bfloat16.as_datatype_enum, tensor_shape=shape_proto([2]))
    tp.half_val.extend([0x3F80, 0xC0A0])
    c.add("bfloat16_half_val_bits", [], {"dtype": "bfloat16", "value": tp})
    tp = tensor_pb2.TensorProto(dtype=tf.bool.as_datatype_enum, tensor_shape=shape_proto([3]))
    tp.bool_val.extend([True, False, True])
    c.add("bool_val_field", [], {"dtype": "bool", "value": tp})
    tp = tensor_pb2.TensorProto(dtype=tf.uint32.as_datatype_enum, tensor_shape=shape_proto([2]))
    tp.uint32_val.extend([0, 2**32 - 1])
    c.add("uint32_val_field", [], {"dtype": "uint32", "value": tp})
    tp = tensor_pb2.TensorProto(dtype=tf.float64.as_datatype_enum, tensor_shape=shape_proto([2]))
    tp.double_val.extend([0.1, -1e300])
    c.add("double_val_field", [], {"dtype": "float64", "value": tp})
    # invalid
    tp = tensor_pb2.TensorProto(dtype=tf.float32.as_datatype_enum, tensor_shape=shape_proto([2, 3]))
    tp.tensor_content = b"\x00" * 20
    c.add("tensor_content_wrong_size", [], {"dtype": "float32", "value": tp})
    tp = tensor_pb2.TensorProto(dtype=tf.float32.as_datatype_enum, tensor_shape=shape_proto([2]))
    tp.float_val.extend([1, 2, 3])
    c.add("too_many_values", [], {"dtype": "float32", "value": tp})
    c.add("dtype_attr_mismatch", [], {"dtype": "int32", "value": F32([1, 2])})
    tp = tensor_pb2.TensorProto(dtype=tf.float32.as_datatype_enum, tensor_shape=shape_proto([-1, 2]))
    tp.float_val.extend([1])
    c.add("negative_dim", [], {"dtype": "float32", "value": tp})
    tp = tensor_pb2.TensorProto(dtype=tf.float32.as_datatype_enum, tensor_shape=shape_proto([2]))
    tp.int_val.extend([1, 2])
    c.add("wrong_value_field", [], {"dtype": "float32", "value": tp})


@gen("PlaceholderWithDefault")
def g_pwd(c):
    for dt in c.types("dtype"):
        c.add(f"{dt}_2x3", [c.rnd([2, 3], dt)], {"shape": Shape([2, 3])})
    md = "float32"
    c.add("partial_shape", [c.rnd([2, 3], md)], {"shape": Shape([-1, 3])})
    c.add("unknown_rank", [c.rnd([4], md)], {"shape": Shape(None)})
    c.add("scalar", [c.rnd([], md)], {"shape": Shape([])})
    c.add("empty", [c.rnd([0, 2], md)], {"shape": Shape([0, 2])})
    c.add("shape_mismatch", [c.rnd([2, 3], md)], {"shape": Shape([3, 3])})
    c.add("rank_mismatch", [c.rnd([2, 3], md)], {"shape": Shape([6])})
    c.add("dtype_mismatch", [c.rnd([2], md)], {"dtype": "int32", "shape": Shape([2])})


@gen("Reshape")
def g_reshape(c):
    for dt in c.types():
        c.add(f"{dt}_2x3_to_3x2", [c.rnd([2, 3], dt), I32([3, 2])])
    md = "float32"
    x = c.rnd([2, 3, 4], md)
    for shp in ([24], [-1], [4, -1], [2, -1, 3], [1, 2, 1, 12, 1], [6, 4]):
        c.add(f"to_{sname(shp).replace('-1', 'm1')}", [x, I32(shp)])
    c.add("tshape_int64", [x, I64([4, 6])])
    c.add("scalar_to_1", [c.rnd([], md), I32([1])])
    c.add("1_to_scalar", [c.rnd([1], md), I32([])])
    c.add("1x1_to_scalar_neg", [c.rnd([1, 1], md), I32([])])
    c.add("empty_0x3_to_3x0", [c.rnd([0, 3], md), I32([3, 0])])
    c.add("empty_with_m1", [c.rnd([0, 3], md), I32([-1, 3])])
    c.add("empty_infer_ambiguous", [c.rnd([0, 3], md), I32([0, -1])])
    c.add("size_mismatch", [x, I32([5, 5])])
    c.add("two_m1", [x, I32([-1, -1])])
    c.add("negative_dim", [x, I32([-2, -12])])
    c.add("m1_not_divisible", [x, I32([5, -1])])
    c.add("shape_rank2", [x, I32([[4, 6]])])
    c.add("shape_float", [x, F32([4, 6])])


@gen("Squeeze")
def g_squeeze(c):
    for dt in c.types():
        c.add(f"{dt}_all", [c.rnd([1, 3, 1], dt)], {"squeeze_dims": []})
    md = "float32"
    x = c.rnd([1, 2, 1, 3, 1], md)
    c.add("all", [x], {"squeeze_dims": []})
    c.add("dim0", [x], {"squeeze_dims": [0]})
    c.add("dims_2_4", [x], {"squeeze_dims": [2, 4]})
    c.add("negative", [x], {"squeeze_dims": [-1, -5]})
    c.add("duplicate", [x], {"squeeze_dims": [0, 0]})
    c.add("to_scalar", [c.rnd([1, 1], md)], {"squeeze_dims": []})
    c.add("nothing_to_squeeze", [c.rnd([2, 3], md)], {"squeeze_dims": []})
    c.add("scalar_input", [c.rnd([], md)], {"squeeze_dims": []})
    c.add("empty_keeps_zero", [c.rnd([1, 0, 1], md)], {"squeeze_dims": []})
    c.add("non_one_dim", [x], {"squeeze_dims": [1]})
    c.add("out_of_range", [x], {"squeeze_dims": [5]})
    c.add("out_of_range_neg", [x], {"squeeze_dims": [-6]})


@gen("ExpandDims")
def g_expand(c):
    for dt in c.types():
        c.add(f"{dt}_dim0", [c.rnd([2, 3], dt), I32(0)])
    md = "float32"
    x = c.rnd([2, 3], md)
    for d in (1, 2, -1, -3):
        c.add(f"dim_{d}".replace("-", "m"), [x, I32(d)])
    c.add("dim_int64", [x, I64(1)])
    c.add("dim_vector1", [x, I32([1])])
    c.add("scalar", [c.rnd([], md), I32(0)])
    c.add("scalar_neg1", [c.rnd([], md), I32(-1)])
    c.add("empty", [c.rnd([0, 2], md), I32(1)])
    c.add("out_of_range", [x, I32(3)])
    c.add("out_of_range_neg", [x, I32(-4)])
    c.add("dim_vector2", [x, I32([0, 1])])


@gen("Transpose")
def g_transpose(c):
    for dt in c.types():
        c.add(f"{dt}_2d", [c.rnd([2, 3], dt), I32([1, 0])])
    md = "float32"
    c.add("3d_201", [c.rnd([2, 3, 4], md), I32([2, 0, 1])])
    c.add("4d_nhwc_to_nchw", [c.rnd([2, 3, 4, 5], md), I32([0, 3, 1, 2])])
    c.add("4d_reverse", [c.rnd([2, 3, 1, 2], md), I32([3, 2, 1, 0])])
    c.add("identity_perm", [c.rnd([2, 3], md), I32([0, 1])])
    c.add("perm_int64", [c.rnd([2, 3, 4], md), I64([1, 2, 0])])
    c.add("5d", [c.rnd([2, 1, 3, 2, 2], md), I32([4, 2, 0, 3, 1])])
    c.add("empty", [c.rnd([0, 3, 2], md), I32([2, 0, 1])])
    c.add("scalar", [c.rnd([], md), I32([])])
    c.add("duplicate_perm", [c.rnd([2, 3], md), I32([0, 0])])
    c.add("perm_wrong_len", [c.rnd([2, 3], md), I32([1, 0, 2])])
    c.add("perm_out_of_range", [c.rnd([2, 3], md), I32([0, 2])])
    c.add("perm_negative", [c.rnd([2, 3], md), I32([-1, 0])])


@gen("ConcatV2")
def g_concat(c):
    for dt in c.types():
        c.add(f"{dt}_axis0", [c.rnd([2, 3], dt), c.rnd([1, 3], dt), I32(0)])
    md = "float32"
    c.add("axis1", [c.rnd([2, 3], md), c.rnd([2, 1], md), c.rnd([2, 2], md), I32(1)])
    c.add("axis_neg1", [c.rnd([2, 2, 3], md), c.rnd([2, 2, 2], md), I32(-1)])
    c.add("axis_neg3", [c.rnd([2, 2, 3], md), c.rnd([1, 2, 3], md), I32(-3)])
    c.add("axis_int64", [c.rnd([2, 3], md), c.rnd([2, 3], md), I64(1)])
    c.add("rank1", [c.rnd([3], md), c.rnd([4], md), I32(0)])
    c.add("with_empty_piece", [c.rnd([2, 3], md), c.rnd([0, 3], md), c.rnd([1, 3], md), I32(0)])
    c.add("all_empty", [c.rnd([0, 3], md), c.rnd([0, 3], md), I32(0)])
    c.add("many_inputs", [c.rnd([1, 2], md) for _ in range(6)] + [I32(0)])
    c.add("shape_mismatch", [c.rnd([2, 3], md), c.rnd([2, 4], md), I32(0)])
    c.add("rank_mismatch", [c.rnd([2, 3], md), c.rnd([3], md), I32(0)])
    c.add("axis_out_of_range", [c.rnd([2, 3], md), c.rnd([2, 3], md), I32(2)])
    c.add("scalars", [c.rnd([], md), c.rnd([], md), I32(0)])
    c.add("dtype_mismatch", [c.rnd([2], md), c.rnd([2], "int32"), I32(0)])
    c.add("n1", [c.rnd([2], md), I32(0)])


@gen("Pack")
def g_pack(c):
    for dt in c.types():
        c.add(f"{dt}_axis0", [c.rnd([2, 3], dt), c.rnd([2, 3], dt)], {"axis": 0})
    md = "float32"
    for ax in (1, 2, -1, -3):
        c.add(f"axis_{ax}".replace("-", "m"), [c.rnd([2, 3], md) for _ in range(3)], {"axis": ax})
    c.add("scalars", [c.rnd([], md) for _ in range(4)], {"axis": 0})
    c.add("n1", [c.rnd([2, 2], md)], {"axis": 0})
    c.add("empty", [c.rnd([0, 2], md) for _ in range(2)], {"axis": 1})
    c.add("shape_mismatch", [c.rnd([2, 3], md), c.rnd([3, 2], md)], {"axis": 0})
    c.add("axis_out_of_range", [c.rnd([2, 3], md), c.rnd([2, 3], md)], {"axis": 3})
    c.add("axis_out_of_range_neg", [c.rnd([2, 3], md), c.rnd([2, 3], md)], {"axis": -4})


@gen("Unpack")
def g_unpack(c):
    for dt in c.types():
        c.add(f"{dt}_axis0", [c.rnd([2, 3], dt)], {"num": 2, "axis": 0})
    md = "float32"
    x = c.rnd([3, 2, 4], md)
    c.add("axis0", [x], {"num": 3, "axis": 0})
    c.add("axis1", [x], {"num": 2, "axis": 1})
    c.add("axis_neg1", [x], {"num": 4, "axis": -1})
    c.add("rank1_to_scalars", [c.rnd([3], md)], {"num": 3, "axis": 0})
    c.add("empty_other_dim", [c.rnd([2, 0], md)], {"num": 2, "axis": 0})
    c.add("num_zero", [c.rnd([0, 3], md)], {"num": 0, "axis": 0})
    c.add("num_mismatch", [x], {"num": 2, "axis": 0})
    c.add("axis_out_of_range", [x], {"num": 3, "axis": 3})
    c.add("scalar_input", [c.rnd([], md)], {"num": 1, "axis": 0})


@gen("Split")
def g_split(c):
    for dt in c.types():
        c.add(f"{dt}_3way", [I32(0), c.rnd([6, 2], dt)], {"num_split": 3})
    md = "float32"
    c.add("axis1", [I32(1), c.rnd([2, 4, 3], md)], {"num_split": 2})
    c.add("axis_neg1", [I32(-1), c.rnd([2, 6], md)], {"num_split": 3})
    c.add("num1", [I32(0), c.rnd([3, 2], md)], {"num_split": 1})
    c.add("empty_dim_split", [I32(0), c.rnd([0, 2], md)], {"num_split": 2})
    c.add("empty_other_dim", [I32(1), c.rnd([0, 4], md)], {"num_split": 2})
    c.add("not_divisible", [I32(0), c.rnd([5, 2], md)], {"num_split": 2})
    c.add("axis_out_of_range", [I32(2), c.rnd([4, 2], md)], {"num_split": 2})
    c.add("scalar_input", [I32(0), c.rnd([], md)], {"num_split": 1})
    c.add("axis_not_scalar", [I32([0]), c.rnd([4, 2], md)], {"num_split": 2})


@gen("SplitV")
def g_splitv(c):
    for dt in c.types():
        c.add(f"{dt}_1_2_3", [c.rnd([6, 2], dt), I32([1, 2, 3]), I32(0)], {"num_split": 3})
    md = "float32"
    c.add("with_m1", [c.rnd([2, 7], md), I32([2, -1, 1]), I32(1)], {"num_split": 3})
    c.add("zero_piece", [c.rnd([4, 2], md), I32([0, 4]), I32(0)], {"num_split": 2})
    c.add("axis_neg1", [c.rnd([2, 5], md), I32([3, 2]), I32(-1)], {"num_split": 2})
    c.add("size_splits_int64", [c.rnd([5], md), I64([4, 1]), I32(0)], {"num_split": 2})
    c.add("single", [c.rnd([3, 2], md), I32([3]), I32(0)], {"num_split": 1})
    c.add("single_m1", [c.rnd([3, 2], md), I32([-1]), I32(0)], {"num_split": 1})
    c.add("sum_mismatch", [c.rnd([6, 2], md), I32([1, 2, 2]), I32(0)], {"num_split": 3})
    c.add("sum_too_big", [c.rnd([6, 2], md), I32([4, 4]), I32(0)], {"num_split": 2})
    c.add("two_m1", [c.rnd([6, 2], md), I32([-1, -1]), I32(0)], {"num_split": 2})
    c.add("negative_size", [c.rnd([6, 2], md), I32([-2, 8]), I32(0)], {"num_split": 2})
    c.add("num_split_mismatch", [c.rnd([6, 2], md), I32([3, 3]), I32(0)], {"num_split": 3})
    c.add("axis_out_of_range", [c.rnd([6, 2], md), I32([3, 3]), I32(2)], {"num_split": 2})


@gen("Slice")
def g_slice(c):
    for dt in c.types():
        c.add(f"{dt}_basic", [c.rnd([3, 4], dt), I32([1, 1]), I32([2, 2])])
    md = "float32"
    x = c.rnd([3, 4, 5], md)
    c.add("size_m1", [x, I32([1, 0, 2]), I32([-1, 2, -1])])
    c.add("full", [x, I32([0, 0, 0]), I32([3, 4, 5])])
    c.add("zero_size", [x, I32([1, 1, 1]), I32([0, 2, 2])])
    c.add("begin_at_end_size0", [x, I32([3, 0, 0]), I32([0, 4, 5])])
    c.add("int64_index", [x, I64([0, 1, 1]), I64([2, 2, 2])])
    c.add("rank1", [c.rnd([6], md), I32([2]), I32([3])])
    c.add("scalar", [c.rnd([], md), I32([]), I32([])])
    c.add("out_of_range", [x, I32([2, 0, 0]), I32([2, 4, 5])])
    c.add("negative_begin", [x, I32([-1, 0, 0]), I32([1, 4, 5])])
    c.add("size_lt_m1", [x, I32([0, 0, 0]), I32([-2, 4, 5])])
    c.add("begin_wrong_len", [x, I32([0, 0]), I32([1, 1])])
    c.add("begin_size_len_mismatch", [x, I32([0, 0, 0]), I32([1, 1])])
    c.add("begin_beyond_dim", [x, I32([4, 0, 0]), I32([0, 1, 1])])


@gen("StridedSlice")
def g_ss(c):
    def at(b=0, e=0, el=0, na=0, sh=0):
        return {"begin_mask": b, "end_mask": e, "ellipsis_mask": el, "new_axis_mask": na, "shrink_axis_mask": sh}

    for dt in c.types():
        c.add(f"{dt}_basic", [c.rnd([4, 5], dt), I32([1, 0]), I32([3, 5]), I32([1, 2])], at())
    md = "float32"
    x = np.arange(4 * 5 * 6, dtype=np.float32).reshape(4, 5, 6)
    S = [
        ("basic_3d", [1, 0, 2], [3, 5, 6], [1, 1, 2], at()),
        ("neg_stride_reverse_axis0", [-1], [0], [-1], at(e=1)),
        ("neg_stride_all", [3, 4, 5], [0, 0, 0], [-1, -2, -3], at(e=7)),
        ("neg_stride_partial", [3, -1, 4], [0, 1, 1], [-2, -1, -1], at()),
        ("neg_indices", [-3, -4, -5], [-1, -1, -1], [1, 1, 2], at()),
        ("begin_end_mask", [0, 1, 0], [0, 3, 0], [1, 1, 1], at(b=5, e=5)),
        ("ellipsis_last_dim", [0, 1], [0, 3], [1, 1], at(el=1)),
        ("ellipsis_middle", [1, 0, 2], [2, 0, 4], [1, 1, 1], at(el=2)),
        ("ellipsis_only", [0], [0], [1], at(el=1)),
        ("new_axis_middle", [0, 0, 0], [0, 0, 0], [1, 1, 1], at(b=5, e=5, na=2)),
        ("new_axis_front", [0], [0], [1], at(na=1)),
        ("shrink_axis0", [1, 0, 0], [2, 0, 0], [1, 1, 1], at(b=6, e=6, sh=1)),
        ("shrink_neg_index", [-1], [0], [1], at(sh=1)),
        ("shrink_all", [1, 2, 3], [2, 3, 4], [1, 1, 1], at(sh=7)),
        ("ellipsis_newaxis_shrink", [0, 0, 2], [0, 0, 3], [1, 1, 1], at(el=1, na=2, sh=4)),
        ("shrink_with_neg_stride", [2, 0], [1, 0], [-1, 1], at(e=2, b=2, sh=1)),
        ("clamp_out_of_bounds", [-100, 2, 0], [100, 100, 6], [1, 1, 1], at()),
        ("clamp_neg_stride", [100, 100, 100], [-100, -100, -100], [-1, -2, -3], at()),
        ("empty_result", [3, 0, 0], [1, 5, 6], [1, 1, 1], at()),
        ("empty_neg_stride", [1, 0, 0], [3, 5, 6], [-1, 1, 1], at()),
        ("large_stride", [0, 0, 0], [4, 5, 6], [10, 10, 10], at()),
        ("fewer_specs", [1], [3], [1], at()),
        ("new_axis_mask_ignores_end", [0, 1], [0, 2], [1, 1], at(na=1)),
        ("ellipsis_with_end_mask", [0, 0], [0, 2], [1, -1], at(el=1, b=2)),
    ]
    for name, b, e, s, a in S:
        c.add(name, [x, I32(b), I32(e), I32(s)], a)
    c.add("int64_index", [x, I64([0, 1, 2]), I64([4, 4, 4]), I64([2, 1, 1])], at())
    c.add("scalar_input_ellipsis", [F32(3.0), I32([0]), I32([0]), I32([1])], at(el=1))
    c.add("rank1_input_shrink", [c.rnd([5], md), I32([2]), I32([3]), I32([1])], at(sh=1))
    c.add("empty_input", [c.rnd([0, 3], md), I32([0, 1]), I32([0, 3]), I32([1, 1])], at())
    # invalid
    c.add("zero_stride", [x, I32([0]), I32([2]), I32([0])], at())
    c.add("shrink_out_of_range", [x, I32([10]), I32([11]), I32([1])], at(sh=1))
    c.add("shrink_out_of_range_neg", [x, I32([-5]), I32([-4]), I32([1])], at(sh=1))
    c.add("multiple_ellipsis", [x, I32([0, 0]), I32([0, 0]), I32([1, 1])], at(el=3))
    c.add("spec_len_mismatch", [x, I32([0, 0]), I32([1]), I32([1, 1])], at())
    c.add("too_many_specs", [c.rnd([2, 2], md), I32([0, 0, 0]), I32([1, 1, 1]), I32([1, 1, 1])], at())
    c.add("index_mismatch_types", [x, I32([0]), I64([1]), I32([1])], at())


@gen("Gather")
def g_gather(c):
    for dt in c.types("Tparams"):
        c.add(f"{dt}_basic", [c.rnd([5, 3], dt), I32([4, 0, 2])], {"validate_indices": True})
    md = "float32"
    p = c.rnd([5, 3], md)
    c.add("indices_2d", [p, I32([[0, 1], [4, 4]])], {"validate_indices": True})
    c.add("indices_scalar", [p, I32(3)], {"validate_indices": True})
    c.add("indices_int64", [p, I64([1, 2])], {"validate_indices": True})
    c.add("indices_empty", [p, np.zeros((0,), np.int32)], {"validate_indices": True})
    c.add("params_rank1", [c.rnd([6], md), I32([5, 0, 5])], {"validate_indices": True})
    c.add("params_rank3", [c.rnd([3, 2, 2], md), I32([2, 0])], {"validate_indices": True})
    c.add("validate_false", [p, I32([0, 1])], {"validate_indices": False})
    c.add("out_of_range", [p, I32([0, 5])], {"validate_indices": True})
    c.add("negative_index", [p, I32([-1])], {"validate_indices": True})
    c.add("out_of_range_int64", [p, I64([2**40])], {"validate_indices": True})
    c.add("empty_params_nonempty_indices", [c.rnd([0, 3], md), I32([0])], {"validate_indices": True})
    c.add("scalar_params", [F32(1.0), I32([0])], {"validate_indices": True})


@gen("GatherV2")
def g_gatherv2(c):
    for dt in c.types("Tparams"):
        c.add(f"{dt}_axis0", [c.rnd([5, 3], dt), I32([4, 0, 2]), I32(0)], {"batch_dims": 0})
    md = "float32"
    p = c.rnd([3, 4, 5], md)
    c.add("axis1", [p, I32([3, 0]), I32(1)], {"batch_dims": 0})
    c.add("axis_neg1", [p, I32([[4, 0], [1, 1]]), I32(-1)], {"batch_dims": 0})
    c.add("axis_int64", [p, I64([2]), I64(2)], {"batch_dims": 0})
    c.add("indices_scalar_axis1", [p, I32(2), I32(1)], {"batch_dims": 0})
    c.add("batch_dims1_axis1", [p, I32([[0, 2], [3, 3], [1, 0]]), I32(1)], {"batch_dims": 1})
    c.add("batch_dims1_axis2", [p, I32([[0, 4], [3, 3], [1, 0]]), I32(2)], {"batch_dims": 1})
    c.add("batch_dims2_axis2", [p, np.asarray(c.rng.integers(0, 5, (3, 4, 2)), np.int32), I32(2)], {"batch_dims": 2})
    c.add("batch_dims_neg1", [p, I32([[0, 2], [3, 3], [1, 0]]), I32(1)], {"batch_dims": -1})
    c.add("indices_empty", [p, np.zeros((0,), np.int32), I32(1)], {"batch_dims": 0})
    c.add("out_of_range", [p, I32([4]), I32(0)], {"batch_dims": 0})
    c.add("negative_index", [p, I32([-1]), I32(1)], {"batch_dims": 0})
    c.add("axis_out_of_range", [p, I32([0]), I32(3)], {"batch_dims": 0})
    c.add("batch_dims_gt_axis", [p, I32([[0], [1], [2]]), I32(0)], {"batch_dims": 1})
    c.add("batch_dims_gt_indices_rank", [p, I32([0, 1, 2]), I32(2)], {"batch_dims": 2})
    c.add("batch_dim_size_mismatch", [p, I32([[0], [1]]), I32(1)], {"batch_dims": 1})
    c.add("axis_not_scalar", [p, I32([0]), I32([0])], {"batch_dims": 0})


@gen("GatherNd")
def g_gathernd(c):
    for dt in c.types("Tparams"):
        c.add(f"{dt}_elements", [c.rnd([3, 4], dt), I32([[0, 1], [2, 3]])])
    md = "float32"
    p = c.rnd([3, 4, 2], md)
    c.add("slices_depth1", [p, I32([[2], [0]])])
    c.add("slices_depth2", [p, I32([[2, 1], [0, 3]])])
    c.add("elements_depth3", [p, I32([[2, 1, 0], [0, 3, 1], [1, 1, 1]])])
    c.add("batched_indices", [p, I32([[[0, 0], [1, 1]], [[2, 2], [0, 3]]])])
    c.add("indices_1d", [p, I32([1, 2])])
    c.add("depth0", [p, np.zeros((2, 0), np.int32)])
    c.add("indices_int64", [p, I64([[1], [2]])])
    c.add("empty_indices", [p, np.zeros((0, 2), np.int32)])
    c.add("out_of_range", [p, I32([[3, 0]])])
    c.add("negative_index", [p, I32([[0, -1]])])
    c.add("depth_gt_rank", [p, I32([[0, 0, 0, 0]])])
    c.add("scalar_indices", [p, I32(0)])


@gen("Tile")
def g_tile(c):
    for dt in c.types():
        c.add(f"{dt}_2x1", [c.rnd([2, 3], dt), I32([2, 1])])
    md = "float32"
    c.add("rank1", [c.rnd([3], md), I32([3])])
    c.add("rank3", [c.rnd([2, 1, 3], md), I32([1, 4, 2])])
    c.add("rank4", [c.rnd([1, 2, 1, 2], md), I32([2, 1, 3, 1])])
    c.add("zero_multiple", [c.rnd([2, 3], md), I32([0, 2])])
    c.add("multiples_int64", [c.rnd([2, 3], md), I64([1, 2])])
    c.add("scalar", [c.rnd([], md), I32([])])
    c.add("empty_input", [c.rnd([0, 3], md), I32([5, 1])])
    c.add("negative_multiple", [c.rnd([2, 3], md), I32([-1, 1])])
    c.add("wrong_len", [c.rnd([2, 3], md), I32([2])])
    c.add("multiples_rank2", [c.rnd([2, 3], md), I32([[2, 1]])])


@gen("Pad", "PadV2")
def g_pad(c):
    v2 = c.op == "PadV2"

    def cv(dt, v=0):
        return [A(v, dt)] if v2 else []

    for dt in c.types():
        c.add(f"{dt}_basic", [c.rnd([2, 3], dt), I32([[1, 0], [2, 1]])] + cv(dt, 1 if dt != "bool" else True))
    md = "float32"
    c.add("rank1", [c.rnd([3], md), I32([[2, 3]])] + cv(md, -1.5))
    c.add("rank4", [c.rnd([1, 2, 2, 1], md), I32([[0, 0], [1, 1], [2, 0], [0, 1]])] + cv(md, 7))
    c.add("zero_pads", [c.rnd([2, 3], md), I32([[0, 0], [0, 0]])] + cv(md))
    c.add("paddings_int64", [c.rnd([2, 3], md), I64([[1, 1], [0, 2]])] + cv(md))
    c.add("scalar_input", [c.rnd([], md), np.zeros((0, 2), np.int32)] + cv(md))
    c.add("empty_input", [c.rnd([0, 2], md), I32([[1, 1], [0, 1]])] + cv(md, 3))
    if v2:
        c.add("constant_nan", [c.rnd([2], md), I32([[1, 1]]), F32(np.nan)])
        c.add("constant_not_scalar", [c.rnd([2], md), I32([[1, 1]]), F32([1])])
        c.add("constant_dtype_mismatch", [c.rnd([2], md), I32([[1, 1]]), I32(1)])
    c.add("negative_pad", [c.rnd([2, 3], md), I32([[-1, 0], [0, 0]])] + cv(md))
    c.add("wrong_rank_paddings", [c.rnd([2, 3], md), I32([[1, 1]])] + cv(md))
    c.add("paddings_not_nx2", [c.rnd([2, 3], md), I32([[1, 1, 1], [1, 1, 1]])] + cv(md))
    c.add("paddings_float", [c.rnd([2, 3], md), F32([[1, 1], [1, 1]])] + cv(md))


@gen("MirrorPad")
def g_mirrorpad(c):
    for dt in c.types():
        c.add(f"{dt}_reflect", [c.rnd([3, 4], dt), I32([[1, 2], [2, 1]])], {"mode": "REFLECT"})
    md = "float32"
    x = c.rnd([3, 4], md)
    for mode in ("REFLECT", "SYMMETRIC"):
        m = mode.lower()
        c.add(f"{m}_basic", [x, I32([[1, 1], [2, 2]])], {"mode": mode})
        c.add(f"{m}_rank1", [c.rnd([5], md), I32([[2, 3]])], {"mode": mode})
        c.add(f"{m}_rank3", [c.rnd([2, 3, 2], md), I32([[1, 0], [0, 2], [1, 1]])], {"mode": mode})
        c.add(f"{m}_zero", [x, I32([[0, 0], [0, 0]])], {"mode": mode})
        c.add(f"{m}_max_legal", [x, I32([[2, 2], [3, 3]] if mode == "REFLECT" else [[3, 3], [4, 4]])], {"mode": mode})
        c.add(f"{m}_too_large", [x, I32([[3, 0], [0, 0]] if mode == "REFLECT" else [[4, 0], [0, 0]])], {"mode": mode})
        c.add(f"{m}_negative", [x, I32([[-1, 0], [0, 0]])], {"mode": mode})
    c.add("paddings_int64", [x, I64([[1, 1], [1, 1]])], {"mode": "SYMMETRIC"})
    c.add("scalar_input", [c.rnd([], md), np.zeros((0, 2), np.int32)], {"mode": "REFLECT"})
    c.add("wrong_paddings_shape", [x, I32([[1, 1]])], {"mode": "REFLECT"})
    c.add("bad_mode", [x, I32([[1, 1], [1, 1]])], {"mode": "CONSTANT"})


@gen("Fill")
def g_fill(c):
    for dt in c.types("T"):
        c.add(f"{dt}_2x3", [I32([2, 3]), c.rnd([], dt)])
    md = "float32"
    c.add("scalar_dims", [I32([]), F32(4.5)])
    c.add("empty_dims", [I32([0, 3]), F32(1.0)])
    c.add("rank4", [I32([1, 2, 3, 2]), F32(-2.0)])
    c.add("dims_int64", [I64([2, 2]), F32(1.0)])
    c.add("nan_value", [I32([3]), F32(np.nan)])
    c.add("negative_dim", [I32([-1, 2]), F32(1.0)])
    c.add("value_not_scalar", [I32([2]), F32([1.0, 2.0])])
    c.add("dims_rank2", [I32([[2, 2]]), F32(1.0)])
    c.add("dims_float", [F32([2, 2]), F32(1.0)])


@gen("Range")
def g_range(c):
    for dt in c.types("Tidx"):
        c.add(f"{dt}_0_10_3", [A(0, dt), A(10, dt), A(3, dt)])
    c.add("int32_neg_delta", [I32(10), I32(0), I32(-3)])
    c.add("int32_empty", [I32(5), I32(5), I32(1)])
    c.add("int32_negative_range", [I32(-5), I32(3), I32(2)])
    c.add("float32_frac", [F32(0.5), F32(2.3), F32(0.4)])
    c.add("float32_neg", [F32(1.0), F32(-1.0), F32(-0.3)])
    c.add("float64_frac", [A(0.1, "float64"), A(1.0, "float64"), A(0.1, "float64")])
    c.add("int64_large", [I64(2**40), I64(2**40 + 5), I64(2)])
    c.add("delta_zero", [I32(0), I32(10), I32(0)])
    c.add("start_gt_limit_pos_delta", [I32(5), I32(0), I32(1)])
    c.add("start_lt_limit_neg_delta", [I32(0), I32(5), I32(-1)])
    c.add("non_scalar_start", [I32([0]), I32(5), I32(1)])
    c.add("mixed_types", [I32(0), I64(5), I32(1)])
    c.add("float_nan_limit", [F32(0), F32(np.nan), F32(1)])
    c.add("float_inf_limit", [F32(0), F32(np.inf), F32(1)])
    c.add("huge_size", [I64(0), I64(2**62), I64(1)])


@gen("Shape", "Size", "Rank")
def g_shape(c):
    op = c.op
    at = {} if op == "Rank" else {"out_type": "int32"}
    for dt in c.types():
        c.add(f"{dt}_2x3", [c.rnd([2, 3], dt)], at)
    md = "float32"
    for shape in ([], [5], [2, 0, 3], [1, 2, 3, 4], [0]):
        c.add(f"shape_{sname(shape)}", [c.rnd(shape, md)], at)
    if op != "Rank":
        c.add("out_int64", [c.rnd([3, 4], md)], {"out_type": "int64"})
        c.add("out_float32_rejected", [c.rnd([3, 4], md)], {"out_type": "float32"})


@gen("ShapeN")
def g_shapen(c):
    md = "float32"
    for dt in c.types():
        c.add(f"{dt}_single", [c.rnd([2, 3], dt)], {"out_type": "int32"})
    c.add("three", [c.rnd([2, 3], md), c.rnd([], md), c.rnd([0, 1, 4], md)], {"out_type": "int32"})
    c.add("out_int64", [c.rnd([2, 3], md), c.rnd([5], md)], {"out_type": "int64"})
    c.add("mixed_dtype_rejected", [c.rnd([2, 3], md), c.rnd([5], "int32")], {"out_type": "int32"})


@gen("BroadcastTo")
def g_bto(c):
    for dt in c.types():
        c.add(f"{dt}_3_to_2x3", [c.rnd([3], dt), I32([2, 3])])
    md = "float32"
    c.add("scalar_to_2x2", [c.rnd([], md), I32([2, 2])])
    c.add("2x1_to_2x3", [c.rnd([2, 1], md), I32([2, 3])])
    c.add("1x3_to_4x2x3", [c.rnd([1, 3], md), I32([4, 2, 3])])
    c.add("same_shape", [c.rnd([2, 3], md), I32([2, 3])])
    c.add("to_empty", [c.rnd([1, 3], md), I32([0, 3])])
    c.add("shape_int64", [c.rnd([3], md), I64([2, 3])])
    c.add("scalar_to_scalar", [c.rnd([], md), I32([])])
    c.add("incompatible", [c.rnd([3], md), I32([2, 4])])
    c.add("shape_shorter_than_rank", [c.rnd([2, 3], md), I32([3])])
    c.add("negative_dim", [c.rnd([3], md), I32([-1, 3])])
    c.add("nonempty_to_zero_dim", [c.rnd([2], md), I32([0])])


@gen("BroadcastArgs")
def g_bargs(c):
    for dt in c.types():
        c.add(f"{dt}_2x1_3", [A([2, 1], dt), A([3], dt)])
    c.add("scalar_vs_vec", [I32([]), I32([4, 5])])
    c.add("ones", [I32([1, 1]), I32([1])])
    c.add("zero_dim", [I32([0, 1]), I32([3])])
    c.add("rank4", [I32([2, 1, 3, 1]), I32([5, 1, 4])])
    c.add("incompatible", [I32([2, 3]), I32([4])])
    c.add("not_vector", [I32([[2, 3]]), I32([3])])
    c.add("dtype_mismatch", [I32([2]), I64([2])])


@gen("OneHot")
def g_onehot(c):
    for dt in c.types("T"):
        c.add(f"{dt}_basic", [I64([0, 2, 1]), I32(3), A(1, dt), A(0, dt)], {"axis": -1})
    for ti in c.types("TI"):
        c.add(f"indices_{ti}", [A([0, 2, 1, 3], ti), I32(4), F32(1), F32(0)], {"axis": -1})
    c.add("out_of_range_indices", [I32([0, -1, 4, 7, 2]), I32(4), F32(5), F32(-1)], {"axis": -1})
    c.add("axis0", [I32([0, 2, 1]), I32(3), F32(1), F32(0)], {"axis": 0})
    c.add("axis1_rank2", [I32([[0, 2], [1, 1]]), I32(3), F32(1), F32(0)], {"axis": 1})
    c.add("axis_last_rank2", [I32([[0, 2], [1, 1]]), I32(3), F32(1), F32(0)], {"axis": -1})
    c.add("scalar_index", [I32(1), I32(3), F32(1), F32(0)], {"axis": -1})
    c.add("depth0", [I32([0, 1]), I32(0), F32(1), F32(0)], {"axis": -1})
    c.add("empty_indices", [np.zeros((0,), np.int32), I32(3), F32(1), F32(0)], {"axis": -1})
    c.add("negative_depth", [I32([0, 1]), I32(-1), F32(1), F32(0)], {"axis": -1})
    c.add("axis_out_of_range", [I32([0, 1]), I32(3), F32(1), F32(0)], {"axis": 2})
    c.add("axis_lt_m1", [I32([0, 1]), I32(3), F32(1), F32(0)], {"axis": -2})
    c.add("on_off_mismatch", [I32([0, 1]), I32(3), F32(1), I32(0)], {"axis": -1})
    c.add("on_not_scalar", [I32([0, 1]), I32(3), F32([1]), F32(0)], {"axis": -1})
    c.add("depth_not_scalar", [I32([0, 1]), I32([3]), F32(1), F32(0)], {"axis": -1})


@gen("Where")
def g_where(c):
    for dt in c.types():
        v = c.rnd([2, 3], dt, -1, 1, intvalued=isf(dt))  # floats: many exact zeros
        c.add(f"{dt}_2x3", [v])
    md = "bool"
    c.add("rank1", [c.rnd([7], md)])
    c.add("rank3", [c.rnd([2, 3, 2], md)])
    c.add("rank4", [c.rnd([1, 2, 2, 3], md)])
    c.add("all_false", [np.zeros((2, 2), np.bool_)])
    c.add("all_true", [np.ones((2, 2), np.bool_)])
    c.add("scalar_true", [B(True)])
    c.add("scalar_false", [B(False)])
    c.add("empty", [np.zeros((0, 3), np.bool_)])
    c.add("float_special", [A([0.0, -0.0, np.nan, np.inf, 1e-45], "float32")])


@gen("ReverseV2")
def g_reverse(c):
    for dt in c.types():
        c.add(f"{dt}_axis1", [c.rnd([2, 3], dt), I32([1])])
    md = "float32"
    x = c.rnd([2, 3, 4], md)
    c.add("axes_0_2", [x, I32([0, 2])])
    c.add("axis_neg1", [x, I32([-1])])
    c.add("all_axes", [x, I32([0, 1, 2])])
    c.add("no_axes", [x, np.zeros((0,), np.int32)])
    c.add("axis_int64", [x, I64([1])])
    c.add("rank1", [c.rnd([5], md), I32([0])])
    c.add("rank5", [c.rnd([2, 1, 2, 3, 2], md), I32([0, 3, 4])])
    c.add("empty", [c.rnd([0, 3], md), I32([1])])
    c.add("scalar", [c.rnd([], md), np.zeros((0,), np.int32)])
    c.add("duplicate_axis", [x, I32([1, 1])])
    c.add("dup_via_negative", [x, I32([2, -1])])
    c.add("axis_out_of_range", [x, I32([3])])
    c.add("axis_not_vector", [x, I32(1)])


@gen("Cumsum")
def g_cumsum(c):
    for dt in c.types():
        c.add(f"{dt}_axis1", [c.rndx([3, 4], dt, -5, 5), I32(1)], {"exclusive": False, "reverse": False})
    md = "float32"
    x = c.rnd([3, 4], md)
    for ex in (False, True):
        for rv in (False, True):
            c.add(f"excl{int(ex)}_rev{int(rv)}", [x, I32(1)], {"exclusive": ex, "reverse": rv})
    c.add("axis0_excl_rev", [c.rnd([3, 2, 2], md), I32(0)], {"exclusive": True, "reverse": True})
    c.add("axis_neg1", [c.rnd([2, 3, 4], md), I32(-1)], {"exclusive": False, "reverse": False})
    c.add("axis_int64", [c.rnd([2, 3], md), I64(0)], {"exclusive": False, "reverse": False})
    c.add("rank1_long", [c.rnd([100], md), I32(0)], {"exclusive": False, "reverse": False})
    c.add("special", [fspecial("float32"), I32(0)], {"exclusive": False, "reverse": False})
    c.add("overflow_int8", [iext("int8"), I32(0)] if "int8" in c.types() else [iext("int32"), I32(0)],
          {"exclusive": False, "reverse": False})
    c.add("empty", [c.rnd([0, 3], md), I32(0)], {"exclusive": True, "reverse": False})
    c.add("scalar_input", [F32(1.0), I32(0)], {"exclusive": False, "reverse": False})
    c.add("axis_out_of_range", [x, I32(2)], {"exclusive": False, "reverse": False})
    c.add("axis_not_scalar", [x, I32([1])], {"exclusive": False, "reverse": False})


@gen("Assert")
def g_assert(c):
    def add(name, ins, at=None):
        c.add(name, ins, {"summarize": 3, **(at or {})}, fetch=[], targets=["op"])
    add("true_with_data", [B(True), F32([1, 2, 3]), I32(5)])
    add("true_no_data", [B(True)])
    add("false_with_data", [B(False), F32([1, 2, 3, 4, 5])])
    add("false_no_data", [B(False)])
    add("true_summarize_10", [B(True), F32([1])], {"summarize": 10})
    add("condition_vector", [B([True]), F32([1])])
    add("condition_not_bool", [I32(1), F32([1])])


@gen("Sum", "Mean", "Prod", "Max", "Min", "All", "Any")
def g_reduce(c):
    op = c.op
    logical = op in ("All", "Any")
    tl = ["bool"] if logical else c.types()
    md = "bool" if logical else "float32"
    at = lambda kd=False: {"keep_dims": kd}  # noqa: E731
    for dt in tl:
        lo, hi = (0.5, 1.5) if op == "Prod" and isf(dt) else (-5, 5)
        if op == "Prod" and not isf(dt):
            lo, hi = -2, 3
        c.add(f"{dt}_axis1", [c.rndx([3, 4], dt, lo, hi) if dt in ("float16", "bfloat16") else c.rnd([3, 4], dt, lo, hi), I32([1])], at())
    if not logical:
        type_error_cases(c, lambda dt: ([c.rnd([3], dt), I32([0])], at()))
    lo, hi = (0.5, 1.5) if op == "Prod" else (-5, 5)
    x = c.rnd([2, 3, 4], md, lo, hi)
    for axes, kd in (([1], False), ([1], True), ([0, 2], False), ([0, 2], True), ([-1], False), ([-3, -1], True),
                     ([], False), ([], True), ([0, 1, 2], False), ([0, 1, 2], True), ([2, 0], False)):
        nm = "_".join(str(a).replace("-", "m") for a in axes) or "none"
        c.add(f"axes_{nm}_kd{int(kd)}", [x, I32(axes)], at(kd))
    c.add("scalar_axis", [x, I32(1)], at())
    c.add("axis_int64", [x, I64([0])], at())
    c.add("scalar_input", [c.rnd([], md), I32([])], at())
    c.add("scalar_input_axis0", [c.rnd([], md), I32([0])], at())
    c.add("empty_reduce_zero_dim", [c.rnd([2, 0, 3], md), I32([1])], at())
    c.add("empty_reduce_zero_dim_kd", [c.rnd([2, 0, 3], md), I32([1])], at(True))
    c.add("empty_reduce_all", [c.rnd([0], md), I32([0])], at())
    c.add("empty_reduce_other_dim", [c.rnd([2, 0, 3], md), I32([2])], at())
    c.add("rank4_large", [c.rnd([4, 8, 8, 4], md, lo, hi), I32([1, 2])], at())
    if not logical:
        for dt in [d for d in tl if isf(d)]:
            c.add(f"special_{dt}", [fspecial(dt).reshape(1, -1), I32([1])], at())
            c.add(f"nan_row_{dt}", [A([[1, np.nan, 3], [np.inf, -np.inf, 0]], dt), I32([1])], at())
            c.add(f"empty_{dt}", [np.zeros((0, 2), NP[dt]), I32([0])], at())
        for dt in [d for d in tl if isint(d)]:
            c.add(f"edges_{dt}", [iext(dt), I32([0])], at())
            c.add(f"empty_{dt}", [np.zeros((0, 2), NP[dt]), I32([0])], at())
    c.add("duplicate_axes", [x, I32([1, 1])], at())
    c.add("axis_out_of_range", [x, I32([3])], at())
    c.add("axis_out_of_range_neg", [x, I32([-4])], at())
    c.add("axes_float", [x, F32([1])], at())
    c.add("axes_rank2", [x, I32([[0, 1]])], at())


OPS = [
    # elementwise
    "Add", "AddV2", "AddN", "Sub", "Mul", "RealDiv", "Div", "DivNoNan", "FloorDiv", "FloorMod", "Maximum",
    "Minimum", "Pow", "SquaredDifference", "Neg", "Abs", "Sign", "Exp", "Expm1", "Log", "Log1p", "Sqrt",
    "Rsqrt", "Square", "Reciprocal", "Tanh", "Sigmoid", "Erf", "Erfc", "Sin", "Cos", "Floor", "Ceil", "Round",
    "Relu", "Relu6", "Elu", "Selu", "LeakyRelu", "Softplus", "Softsign", "Greater", "GreaterEqual", "Less",
    "LessEqual", "Equal", "NotEqual", "LogicalAnd", "LogicalOr", "LogicalNot", "Select", "SelectV2", "Cast",
    "IsNan", "IsInf", "IsFinite", "ClipByValue", "BiasAdd",
    # linear algebra
    "MatMul", "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3", "Einsum",
    # nn
    "Conv2D", "DepthwiseConv2dNative", "Conv2DBackpropInput", "MaxPool", "AvgPool", "FusedBatchNorm",
    "FusedBatchNormV2", "FusedBatchNormV3", "Softmax", "LogSoftmax", "ResizeBilinear", "ResizeNearestNeighbor",
    "TopKV2", "ArgMax", "ArgMin",
    # array / shape
    "Identity", "IdentityN", "StopGradient", "Snapshot", "EnsureShape", "CheckNumerics", "Const",
    "PlaceholderWithDefault", "Reshape", "Squeeze", "ExpandDims", "Transpose", "ConcatV2", "Pack", "Unpack",
    "Split", "SplitV", "Slice", "StridedSlice", "Gather", "GatherV2", "GatherNd", "Tile", "Pad", "PadV2",
    "MirrorPad", "Fill", "ZerosLike", "OnesLike", "Range", "Shape", "ShapeN", "Size", "Rank", "BroadcastTo",
    "BroadcastArgs", "OneHot", "Where", "ReverseV2", "Cumsum", "Assert",
    # reductions
    "Sum", "Mean", "Prod", "Max", "Min", "All", "Any",
]

# --------------------------------------------------------------------------
# tolerances
# --------------------------------------------------------------------------

TRANSCENDENTAL = {"Exp", "Expm1", "Log", "Log1p", "Rsqrt", "Tanh", "Sigmoid", "Erf", "Erfc", "Sin", "Cos",
                  "Elu", "Selu", "Softplus", "Pow", "Softmax", "LogSoftmax"}
ACCUMULATING = {"Sum", "Mean", "Prod", "MatMul", "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3", "Einsum",
                "Conv2D", "DepthwiseConv2dNative", "Conv2DBackpropInput", "AvgPool", "FusedBatchNorm",
                "FusedBatchNormV2", "FusedBatchNormV3", "Cumsum", "AddN", "ResizeBilinear"}
# ops that TF evaluates with more than one rounding step in float16/bfloat16 (each Eigen half op
# rounds), so an implementation that computes in float32 and rounds once may be 1 ulp off.
HALF_COMPOSITE = {"SquaredDifference", "Softsign"}

# (rtol, atol) by class and output dtype.  Absent from a case = default (rtol 1e-5, atol 0).
TOL_TABLE = {
    "transcendental": {"float32": (1e-5, 1e-6), "float64": (1e-5, 1e-12), "float16": (1e-3, 1e-4),
                       "bfloat16": (8e-3, 1e-3)},
    "accumulating": {"float32": (1e-5, 1e-6), "float64": (1e-5, 1e-12), "float16": (1e-2, 1e-2),
                     "bfloat16": (5e-2, 5e-2)},
    "half_composite": {"float32": (None, None), "float64": (None, None), "float16": (1e-3, 1e-4),
                       "bfloat16": (8e-3, 1e-3)},
}
# per (op, dtype) overrides where TF's algorithm itself deviates from the exact function
TOL_OVERRIDE = {
    # TF's Softplus returns x for x > -log(eps)-2 and exp(x) for x < log(eps)+2; with the large
    # eps of half types that deviates from log1p(exp(x)) by up to ~2% (bf16) / ~0.4% (f16).
    ("Softplus", "bfloat16"): (3e-2, 2e-3),
    ("Softplus", "float16"): (5e-3, 1e-4),
    # TF evaluates Elu/Selu as exp(x) - 1 with half-precision intermediates: absolute error up to
    # ~ulp(1) (times Selu's scale) near x = 0-.
    ("Elu", "float16"): (1e-3, 1e-3),
    ("Elu", "bfloat16"): (8e-3, 8e-3),
    ("Selu", "float16"): (1e-3, 2e-3),
    ("Selu", "bfloat16"): (8e-3, 1.6e-2),
    # TF's half-precision (Log)Softmax rounds exp/sum/log intermediates to the dtype: several ulps.
    ("Softmax", "float16"): (1e-2, 1e-3),
    ("Softmax", "bfloat16"): (5e-2, 1e-2),
    ("LogSoftmax", "float16"): (1e-2, 1e-2),
    ("LogSoftmax", "bfloat16"): (5e-2, 5e-2),
}
# accumulating ops: atol is at least ACC_ULPS * eps(dtype) * max|expected| (summation order)
ACC_ULPS = 8
EPS = {"float32": float(np.finfo(np.float32).eps), "float64": float(np.finfo(np.float64).eps)}


def _max_abs_finite(o):
    a = decode_output(o).astype(np.float64)
    a = a[np.isfinite(a)]
    return float(np.abs(a).max()) if a.size else 0.0


def tol_class(op):
    if op in TRANSCENDENTAL:
        return "transcendental"
    if op in ACCUMULATING:
        return "accumulating"
    if op in HALF_COMPOSITE:
        return "half_composite"
    return None


def case_tolerance(op, case, outputs):
    fouts = [o for o in outputs if o["dtype"] in FLOATS]
    if not fouts:
        return None, None
    cls = tol_class(op)
    rtol, atol = 0.0, 0.0
    for o in fouts:
        dt = o["dtype"]
        r, a = (None, None)
        if (op, dt) in TOL_OVERRIDE:
            r, a = TOL_OVERRIDE[(op, dt)]
        elif cls:
            r, a = TOL_TABLE[cls][dt]
        if cls == "accumulating" and dt in EPS:
            a = max(a or 0.0, ACC_ULPS * EPS[dt] * _max_abs_finite(o))
        rtol = max(rtol, r or 0.0)
        atol = max(atol, a or 0.0)
    if case["rtol"] is not None:
        rtol = max(rtol, case["rtol"])
    if case["atol"] is not None:
        atol = max(atol, case["atol"])
    if atol > 0:
        atol = float(f"{atol:.1e}")  # round up-ish for readability
        rtol = max(rtol, 1e-5)
    if rtol <= 1e-5 and atol == 0:
        return None, None
    return rtol, (atol if atol > 0 else None)


# --------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------


def worker_env():
    env = dict(os.environ)
    env["TF_ENABLE_ONEDNN_OPTS"] = "0"
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["CUDA_VISIBLE_DEVICES"] = "-1"
    env["OMP_NUM_THREADS"] = "1"
    return env


def run_jobs(jobs, log_path, tag=""):
    """jobs: list of (key, graph_bytes, fetch, targets). Returns key -> result."""
    results = {}
    pending = list(jobs)
    spawns = 0
    while pending:
        spawns += 1
        with open(log_path, "ab") as logf:
            p = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker"], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=logf, env=worker_env())
        q = queue.Queue()

        def reader(stream=p.stdout):
            for line in stream:
                q.put(line)
            q.put(None)

        def writer(data=pickle.dumps(pending), stdin=p.stdin):
            try:
                stdin.write(data)
                stdin.close()
            except (BrokenPipeError, OSError):
                pass

        threading.Thread(target=reader, daemon=True).start()
        threading.Thread(target=writer, daemon=True).start()
        got = 0
        reason = None
        while True:
            try:
                line = q.get(timeout=CASE_TIMEOUT_S)
            except queue.Empty:
                reason = f"timeout after {CASE_TIMEOUT_S:.0f}s"
                p.kill()
                break
            if line is None:
                break
            line = line.decode("utf-8", "replace")
            if not line.startswith("@@RES "):
                continue
            key, res = json.loads(line[6:])
            results[tuple(key)] = res
            got += 1
        rc = p.wait()
        remaining = [j for j in pending if tuple(j[0]) not in results]
        if remaining:
            if reason is None:
                reason = f"worker process died (exit code {rc})"
            culprit = remaining[0][0]
            print(f"  [{tag}] CRASH at {culprit}: {reason}", flush=True)
            results[tuple(culprit)] = {"error": "Crash", "stage": "run", "tf_message": reason}
            if got == 0 and spawns > 3 and len(results) <= 1:
                raise RuntimeError("worker keeps dying without results; see " + log_path)
        pending = remaining[1:]
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--ops", default="", help="comma-separated subset of ops")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    ops = [o for o in args.ops.split(",") if o] or OPS
    for o in ops:
        if o not in GEN:
            sys.exit(f"no generator for {o}")
    os.makedirs(args.out, exist_ok=True)

    t0 = time.time()
    all_cases = {}
    jobs = []
    for op in ops:
        c = Ctx(op)
        GEN[op](c)
        for i, case in enumerate(c.cases):
            gd, nout = build_graph(case["op"], case["inputs"], case["attrs"])
            fetch = case["fetch"] if case["fetch"] is not None else [f"op:{k}" for k in range(nout)]
            case["fetch"] = fetch
            case["graph"] = gd.SerializeToString(deterministic=True)
            jobs.append(((op, i), case["graph"], fetch, case["targets"]))
        all_cases[op] = c.cases
    print(f"built {len(jobs)} cases for {len(ops)} ops in {time.time() - t0:.1f}s", flush=True)

    # split jobs by op across workers, balanced by count
    nw = max(1, args.workers)
    buckets = [[] for _ in range(nw)]
    sizes = [0] * nw
    for op in ops:
        k = sizes.index(min(sizes))
        buckets[k].extend([j for j in jobs if j[0][0] == op])
        sizes[k] += len(all_cases[op])
    log_path = os.path.join("/tmp", "gen_op_fixtures_worker.log")
    open(log_path, "wb").close()
    results = {}
    threads = []
    for k, b in enumerate(buckets):
        def run(b=b, k=k):
            results.update({tuple(key): v for key, v in run_jobs(b, log_path, tag=str(k)).items()})
        th = threading.Thread(target=run)
        th.start()
        threads.append(th)
    for th in threads:
        th.join()
    # keys came back through json as lists
    results = {tuple(k): v for k, v in results.items()}
    print(f"ran in {time.time() - t0:.1f}s", flush=True)

    summary = {}
    for op in ops:
        lines = []
        nok = nerr = 0
        for i, case in enumerate(all_cases[op]):
            res = results[(op, i)]
            obj = {"case": case["name"], "graph": base64.b64encode(case["graph"]).decode("ascii"),
                   "fetch": case["fetch"]}
            if case["targets"]:
                obj["targets"] = case["targets"]
            if "outputs" in res:
                obj["expect"] = {"outputs": res["outputs"]}
                rtol, atol = case_tolerance(op, case, res["outputs"])
                case["_rtol"], case["_atol"] = rtol, atol
                if rtol is not None:
                    obj["rtol"] = rtol
                if atol is not None:
                    obj["atol"] = atol
                nok += 1
            else:
                obj["expect"] = {"error": res["error"], "stage": res["stage"], "tf_message": res["tf_message"]}
                nerr += 1
            case["result"] = res
            lines.append(json.dumps(obj, separators=(",", ":")))
        with open(os.path.join(args.out, f"{op}.jsonl"), "w") as f:
            f.write("\n".join(lines) + "\n")
        summary[op] = (nok, nerr)
    verify = verify_tolerances(all_cases, ops)
    for (vop, vdt), (u, r, worst) in sorted(verify.items()):
        if r > 1.0:
            print(f"  TOLERANCE VIOLATION {vop} {vdt}: ulps={u:.2f} used={r:.3f} worst(case,x,tf,ref)={worst}")
    if set(ops) == set(OPS):
        write_readme(args.out, summary, all_cases, verify)
    tot_ok = sum(v[0] for v in summary.values())
    tot_err = sum(v[1] for v in summary.values())
    size = sum(os.path.getsize(os.path.join(args.out, f"{op}.jsonl")) for op in ops)
    print(f"done: {len(ops)} ops, {tot_ok} ok + {tot_err} error cases, {size / 1e6:.2f} MB, "
          f"{time.time() - t0:.1f}s", flush=True)
    crashes = [(op, c["name"]) for op in ops for c in all_cases[op] if c["result"].get("error") in ("Crash", "HarnessError")]
    if crashes:
        print("crashes / harness errors:", crashes)


# --------------------------------------------------------------------------
# tolerance verification against float64 references (unary transcendental ops)
# --------------------------------------------------------------------------

def _erfc(x):
    return np.vectorize(math.erfc, otypes=[np.float64])(x)


REF = {
    "Exp": np.exp, "Expm1": np.expm1, "Log": np.log, "Log1p": np.log1p, "Sqrt": np.sqrt,
    "Rsqrt": lambda x: 1.0 / np.sqrt(x), "Tanh": np.tanh, "Sigmoid": lambda x: 0.5 * (1.0 + np.tanh(0.5 * x)),
    "Erf": np.vectorize(math.erf, otypes=[np.float64]), "Erfc": _erfc, "Sin": np.sin, "Cos": np.cos,
    "Softplus": lambda x: np.logaddexp(0.0, x), "Softsign": lambda x: x / (1.0 + np.abs(x)),
    "Elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "Selu": lambda x: 1.0507009873554804934193349852946 * np.where(x > 0, x, 1.6732632423543772848170429916717 * np.expm1(x)),
    "Reciprocal": lambda x: 1.0 / x,
}


def decode_output(o):
    raw = base64.b64decode(o["data"])
    dt = NP[o["dtype"]]
    if o["dtype"] == "bool":
        return np.frombuffer(raw, np.uint8).astype(bool).reshape(o["shape"])
    return np.frombuffer(raw, dt).reshape(o["shape"])


MANT_BITS = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}


def verify_tolerances(all_cases, ops):
    """Unary float ops with a float64 reference: per (op, dtype) the max error of TF's output in
    ulps of the correctly rounded reference, and the max of |TF - ref| / (atol + rtol*|ref|) with the
    case's tolerance (must be <= 1; it is the fraction of the tolerance TF itself uses up).
    Inputs/outputs that are subnormal in the dtype are skipped (TF flushes them)."""
    report = {}
    for op in ops:
        if op not in REF:
            continue
        for case in all_cases[op]:
            res = case.get("result", {})
            if "outputs" not in res or len(case["inputs"]) != 1:
                continue
            x = case["inputs"][0]
            dt = x.dtype.name
            if dt not in FLOATS or x.size == 0:
                continue
            with np.errstate(all="ignore"):
                x64 = x.astype(np.float64)
                ref = np.asarray(REF[op](x64), np.float64)
                got = decode_output(res["outputs"][0]).astype(np.float64)
                fi = finfo(dt)
                tiny = float(fi.tiny)
                rr = ref.astype(np.float32).astype(NP[dt]).astype(np.float64) if dt == "bfloat16" else \
                    ref.astype(NP[dt]).astype(np.float64)
                m = np.isfinite(ref) & np.isfinite(got) & np.isfinite(rr) & (np.abs(rr) >= tiny) & \
                    ((np.abs(x64) >= tiny) | (x64 == 0))
                if not m.any():
                    continue
                _, e = np.frexp(rr[m])
                ulp = np.ldexp(1.0, e - MANT_BITS[dt])
                ulps = np.abs(got[m] - rr[m]) / ulp
                rtol = case.get("_rtol") or 1e-5
                atol = case.get("_atol") or 0.0
                ratio = np.abs(got[m] - ref[m]) / (atol + rtol * np.abs(ref[m]))
                # exact ops: compare with the correctly rounded reference instead
                if tol_class(op) is None and not (op, dt) in TOL_OVERRIDE:
                    ratio = np.abs(got[m] - rr[m]) / np.maximum(atol + rtol * np.abs(rr[m]), 1e-300)
            key = (op, dt)
            u0, r0, w0 = report.get(key, (0.0, 0.0, None))
            i = int(np.argmax(ratio))
            worst = (case["name"], float(x64[m][i]), float(got[m][i]), float(ref[m][i]))
            report[key] = (max(u0, float(ulps.max())), max(r0, float(ratio.max())),
                           worst if float(ratio.max()) >= r0 else w0)
    return report


def write_readme(out, summary, all_cases, verify):
    tfv = tf.__version__
    npv = np.__version__
    total_ok = sum(v[0] for v in summary.values())
    total_err = sum(v[1] for v in summary.values())
    rows = "\n".join(f"| {op} | {summary[op][0] + summary[op][1]} | {summary[op][0]} | {summary[op][1]} |" for op in OPS)
    vrows = "\n".join(f"| {op} | {dt} | {u:.2f} | {r:.3f} |" for (op, dt), (u, r, _) in sorted(verify.items()))
    crashes = [f"{op}/{c['name']}" for op in OPS for c in all_cases[op] if c["result"].get("error") == "Crash"]
    nokernel = []
    for op in OPS:
        for c in all_cases[op]:
            if c["name"].startswith("nokernel_"):
                nokernel.append(f"{op}:{c['name'][len('nokernel_'):]}")
    tt = TOL_TABLE
    text = f"""# Op conformance fixtures (generated by real TensorFlow)

Generated by `tools/gen_op_fixtures.py` with **TensorFlow {tfv}** (tensorflow-cpu, numpy {npv}).
Do not edit by hand. Regenerate with:

```
bash tools/setup_tf_venv.sh            # creates /root/venvs/tf with tensorflow-cpu
/root/venvs/tf/bin/python tools/gen_op_fixtures.py --out tests/fixtures/ops
```

Generation is deterministic (fixed numpy seed per op = crc32 of the op name; TF run with
1 intra/inter-op thread, grappler and graph-level constant folding disabled, oneDNN disabled via
`TF_ENABLE_ONEDNN_OPTS=0`, so the plain Eigen CPU kernels produce the expectations).
Total: {len(OPS)} ops, {total_ok + total_err} cases ({total_ok} ok, {total_err} error).

## Format

One file per op, `<OpName>.jsonl`, one JSON object per line (one case):

```
{{"case": "<id unique in the file>",
  "graph": "<base64 of a serialized tensorflow.GraphDef>",
  "fetch": ["op:0", ...],
  "targets": ["op"],                       # only present for Assert (nodes to run, no output)
  "expect": {{"outputs": [{{"dtype": "float32", "shape": [2, 3], "data": "<base64>"}}, ...]}},
  "rtol": 1e-3, "atol": 1e-4}}              # optional, see Tolerances
```

or, when TensorFlow rejected the case:

```
  "expect": {{"error": "InvalidArgument", "stage": "import" | "run", "tf_message": "<first line of TF's message>"}}
```

* **graph**: Const nodes named `in0`, `in1`, ... (attrs `dtype`, `value`) feeding the op under test,
  a node named `op`, with *every* attr set explicitly (type attrs such as `T`, `Tidx`, `Tindices`,
  `N`, and all attrs that have defaults, filled in as TF's op registry would). The `Const` op's own
  cases have no inputs (the node `op` is the Const). `versions.producer` is TF's GRAPH_DEF_VERSION.
* **fetch**: tensor names to fetch, in order; `expect.outputs` is parallel to it. Usually all
  outputs of `op` (`op:0`, `op:1`, ...). FusedBatchNorm* cases fetch only `op:0` (y) except the
  case `all_outputs`, which fetches `op:0..2` (y, batch_mean, batch_variance; in inference mode
  the latter two are copies of the mean/variance inputs). The reserve_space outputs are left out:
  TF leaves them uninitialized in inference mode.
* **targets**: only for `Assert` (which has no outputs): `fetch` is `[]` and `targets` is `["op"]`;
  a passing assert expects `"outputs": []`; a failing one `InvalidArgument` at stage `run`.
* **outputs[].data**: raw little-endian C-order (row-major) bytes. dtype names: float32 float64
  float16 bfloat16 int8 int16 int32 int64 uint8 uint16 uint32 uint64 bool.
  `bool` is 1 byte per element (0 or 1). `bfloat16` is the raw 2-byte bfloat16 (upper half of the
  float32 bit pattern); `float16` is IEEE binary16. Zero-sized tensors have empty `data`.
* **error**: the TF status code name without "Error": InvalidArgument, OutOfRange, Unimplemented,
  ResourceExhausted, FailedPrecondition, NotFound, Internal, Unknown, ... Python `ValueError`/`TypeError`
  raised while importing the graph (shape inference, attr validation, unknown op/kernel-less type)
  is mapped to `InvalidArgument`. `Crash` means the TF worker process died on this case.
* **stage**: `import` = rejected by `tf.compat.v1.import_graph_def` (op registry validation / shape
  inference); `run` = rejected by `Session.run` (kernel lookup or the kernel itself).
  A runtime accepting untrusted models only has to reject the case; it may reject at either stage and
  with any message. The code is what TF reported; a stricter runtime may legitimately return
  InvalidArgument where TF reported something else (treat the error class as informative).

## Comparing outputs

Integer and bool outputs must match exactly; shapes and dtypes must match exactly.
Float outputs: `|actual - expected| <= atol + rtol * |expected|` elementwise with the case's
`rtol`/`atol`, defaulting to **rtol = 1e-5, atol = 0** when absent; NaN must match NaN
(any payload), infinities must match exactly (including sign). Signed zeros compare equal.

TF's CPU kernels run with **denormals flushed to zero** (FTZ/DAZ on its threads), so cases whose
inputs contain float32/float64 subnormals (the `special_*` cases) record flushed results. A runtime
that does not flush will differ there by less than the dtype's smallest normal; a harness may treat
`|actual - expected| < smallest_normal(dtype)` as equal.

## Tolerances

Cases carry `rtol`/`atol` only where TF-vs-reference precision justifies it:

| op class | float32 | float64 | float16 | bfloat16 |
| --- | --- | --- | --- | --- |
| transcendental ({", ".join(sorted(TRANSCENDENTAL))}) | rtol {tt['transcendental']['float32'][0]}, atol {tt['transcendental']['float32'][1]} | rtol {tt['transcendental']['float64'][0]}, atol {tt['transcendental']['float64'][1]} | rtol {tt['transcendental']['float16'][0]}, atol {tt['transcendental']['float16'][1]} | rtol {tt['transcendental']['bfloat16'][0]}, atol {tt['transcendental']['bfloat16'][1]} |
| accumulating ({", ".join(sorted(ACCUMULATING))}) | rtol {tt['accumulating']['float32'][0]}, atol {tt['accumulating']['float32'][1]} | rtol {tt['accumulating']['float64'][0]}, atol {tt['accumulating']['float64'][1]} | rtol {tt['accumulating']['float16'][0]}, atol {tt['accumulating']['float16'][1]} | rtol {tt['accumulating']['bfloat16'][0]}, atol {tt['accumulating']['bfloat16'][1]} |
| float16/bfloat16 multi-rounding ({", ".join(sorted(HALF_COMPOSITE))}) | - | - | rtol {tt['half_composite']['float16'][0]}, atol {tt['half_composite']['float16'][1]} | rtol {tt['half_composite']['bfloat16'][0]}, atol {tt['half_composite']['bfloat16'][1]} |

For accumulating ops in float32/float64 the atol is additionally at least
{ACC_ULPS}·eps(dtype)·max|expected| of the case (summation order differences scale with the
output magnitude). Overrides: {"; ".join(f"{o} {d}: rtol {r}, atol {a}" for (o, d), (r, a) in TOL_OVERRIDE.items())}
(TF's Softplus uses thresholds: x if x > -(log(eps)+2), exp(x) if x < log(eps)+2, else
log1p(exp(x)), with eps of the dtype; mirroring that matches exactly. TF's Elu/Selu compute
exp(x) - 1, not expm1(x), and for float16/bfloat16 with half-precision intermediates).

Rationale: TF computes float16/bfloat16 elementwise math in float32 and rounds once, so a correct
implementation is within 1 ulp (float16 ulp/x <= 2^-10 < 1e-3, bfloat16 <= 2^-7 < 8e-3).
Accumulating ops in float16/bfloat16 mostly use small integer-valued inputs so that every
summation order is exact; the loose half-precision tolerances cover the remaining cases (e.g. Mean,
Prod, FusedBatchNorm, ResizeBilinear). Exact ops (Add, Mul, Div, comparisons, casts, data movement,
Sqrt, Reciprocal, ...) have no tolerance: IEEE-correct results match bit-for-bit (modulo FTZ, above).

Measured on these fixtures' unary inputs against a float64 reference (`ulps`: max error of TF's
output in ulps of the correctly rounded reference; `tol used`: max of
|TF - ref| / (atol + rtol·|ref|) with each case's tolerance, so <= 1 means TF itself passes with
room 1 - value for a reference-accurate implementation; subnormal inputs/outputs skipped):

| op | dtype | ulps | tol used |
| --- | --- | --- | --- |
{vrows}

## Notes for implementers

* Integer Div/FloorDiv/FloorMod by zero: TF returns InvalidArgument ("Integer division by zero")
  at run. INT_MIN / -1 does not trap: Div/FloorDiv give INT_MIN, FloorMod gives 0
  (`int_min_by_neg1_*`). Pow on integers with a negative exponent is InvalidArgument at run.
* Integer arithmetic wraps (two's complement) in TF: `edges_*` cases record wrapped results
  (Neg/Abs of INT_MIN is INT_MIN, Sum/Cumsum/AddN overflow wraps).
* Float->int Cast of NaN/Inf/out-of-range values (`Cast/special_*`) records TF's x86 behaviour
  (cvttss2si: NaN/±Inf/out-of-range -> INT_MIN for int32/int64; narrower ints go through int32 and
  wrap, e.g. NaN -> 0 for int8; uint32/uint64 via the signed path). Float->bool is `x != 0`
  (NaN -> true). Cast with `Truncate=true` truncates the mantissa (float32->bfloat16/float16);
  otherwise conversions round to nearest even.
* Round is banker's rounding (half to even).
* Max/Min reductions propagate NaN; ArgMax/ArgMin skip NaN (first index of the max among non-NaN,
  ties -> lowest index); TopKV2 orders NaN above +inf, ties by lower index first; empty
  reductions give the identity (Sum 0, Prod 1, Max -inf / int min, Min +inf / int max, All true,
  Any false; Mean of nothing is NaN for floats); ArgMax over an empty axis is InvalidArgument.
* Reduction axes with duplicates are InvalidArgument at run; ReverseV2 duplicate axes at import.
* OneHot with out-of-range (incl. negative) indices gives an all-`off_value` row (no error).
* Gather/GatherV2/GatherNd with out-of-range or negative indices: InvalidArgument at run (CPU).
* StridedSlice clamps out-of-range begin/end for ranges, but a shrink-axis index out of range is
  an error; Slice does not clamp (error at run).
* Transpose accepts negative perm entries (`perm_negative`: -1 means the last dim).
* `Const` quirks kept from TF: more values than elements are silently truncated
  (`too_many_values`), a value field of the wrong type yields zeros (`wrong_value_field`), fewer
  values than elements repeat the last value (`partial_int_val_repeat_last`), a `tensor_content`
  of the wrong size is InvalidArgument at run.
* Unimplemented/unsupported on TF's CPU kernels (recorded as errors): Conv2D/DepthwiseConv2dNative/
  MaxPool/AvgPool with NCHW, DepthwiseConv2dNative with dilations > 1 or unequal strides,
  Conv2DBackpropInput with dilations > 1 or grouped filters, pooling over the batch dim, Tile on
  uint16, Where on float16 and on scalars, Range on float16. Conv2D with grouped filters
  (input depth a multiple of the filter's in-depth) *is* supported.
* FusedBatchNorm* in inference mode with a negative variance gives NaN, no error.
* Ops with no CPU kernel for some dtype the op def allows: {", ".join(nokernel) or "none"} (recorded as error cases `nokernel_*`).
* Cases where the TF process crashed: {", ".join(crashes) or "none"}.

## Cases per op

| op | cases | ok | error |
| --- | --- | --- | --- |
{rows}
"""
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Generate fixtures for `ward scan` (the static auditor) with real TensorFlow.

Usage:
    /root/venvs/tf/bin/python tools/gen_scan_fixtures.py --out tests/fixtures/scan
    /root/venvs/tf/bin/python tools/gen_scan_fixtures.py --out /tmp/x --only pyfunc,matching_files

Every fixture is a directory <out>/<name>/ holding either
    saved_model/        a SavedModel written by TensorFlow (TF2 tf.Module with a
                        tf.function `serving_default` signature, or a TF1 Builder
                        SavedModel for init_op_reads_file), or
    frozen.pb           a bare GraphDef built NodeDef by NodeDef,
plus expected.json:
    {"name", "description", "format": "saved_model"|"graphdef",
     "expected_findings": [{"kind", "op", "source": "checkpoint"|"input"|null}],
     "must_not_find": [kind, ...],
     "ops":            sorted op types of every node in the graph and in every library function,
     "signature_ops":  sorted op types reachable from the serving_default signature outputs
                       (following control inputs and every function-valued attr: If/While/Case
                       branches, PartitionedCall f, dataset functions, ...),
     "init_ops":       same, reachable from the init op (TF1 main_op / legacy_init_op), if any,
     "saver_ops":      same, reachable from the SaverDef save/restore tensors (TF2 SavedModels
                       always carry the checkpoint save/restore functions), if any,
     "dataset_ops":    sorted op types ending in "Dataset"/"DatasetV2".. (only when present)}

Each fixture is built in its own subprocess (fresh TF function-name counters, PYTHONHASHSEED=0)
and fingerprint.pb's random uuid is pinned, so repeated runs produce byte-identical files.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")

SIG = "serving_default"

# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _finding(kind, op, source=None):
    return {"kind": kind, "op": op, "source": source}


def _save_tf2(module, fn, path):
    import tensorflow as tf
    tf.saved_model.save(module, path, signatures={SIG: fn})
    _pin_fingerprint_uuid(path)


def _pin_fingerprint_uuid(path):
    """fingerprint.pb is deterministic except its `uuid`, which TF draws at random on every save.
    Replace it with a decimal string derived from saved_model.pb so regeneration is byte-identical."""
    import hashlib
    from tensorflow.core.protobuf import fingerprint_pb2
    fp_path = os.path.join(path, "fingerprint.pb")
    if not os.path.exists(fp_path):
        return
    fp = fingerprint_pb2.FingerprintDef()
    with open(fp_path, "rb") as f:
        fp.ParseFromString(f.read())
    with open(os.path.join(path, "saved_model.pb"), "rb") as f:
        digest = hashlib.sha256(f.read()).digest()
    fp.uuid = str(int.from_bytes(digest[:16], "big"))
    with open(fp_path, "wb") as f:
        f.write(fp.SerializeToString(deterministic=True))


def _write_graphdef(nodes, path):
    """nodes: list of NodeDef; writes GraphDef (producer of this TF) to path."""
    import tensorflow as tf
    from tensorflow.core.framework import graph_pb2, versions_pb2
    gd = graph_pb2.GraphDef()
    gd.versions.CopyFrom(versions_pb2.VersionDef(producer=tf.Graph().graph_def_versions.producer))
    gd.node.extend(nodes)
    with open(path, "wb") as f:
        f.write(gd.SerializeToString(deterministic=True))
    return gd


def _node(name, op, inputs=(), **attrs):
    from tensorflow.core.framework import node_def_pb2
    n = node_def_pb2.NodeDef(name=name, op=op)
    n.input.extend(inputs)
    for k, v in attrs.items():
        n.attr[k].CopyFrom(v)
    return n


def _a_type(dt):
    from tensorflow.core.framework import attr_value_pb2
    return attr_value_pb2.AttrValue(type=dt)


def _a_types(dts):
    from tensorflow.core.framework import attr_value_pb2
    return attr_value_pb2.AttrValue(list=attr_value_pb2.AttrValue.ListValue(type=dts))


def _a_shape(dims):
    from tensorflow.core.framework import attr_value_pb2, tensor_shape_pb2
    if dims is None:
        sh = tensor_shape_pb2.TensorShapeProto(unknown_rank=True)
    else:
        sh = tensor_shape_pb2.TensorShapeProto(
            dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=d) for d in dims])
    return attr_value_pb2.AttrValue(shape=sh)


def _a_str(s):
    from tensorflow.core.framework import attr_value_pb2
    return attr_value_pb2.AttrValue(s=s.encode())


# --------------------------------------------------------------------------
# op inventory
# --------------------------------------------------------------------------


def _func_names_in_attr(av):
    out = []
    if av.HasField("func"):
        out.append(av.func.name)
    if av.HasField("list"):
        out.extend(f.name for f in av.list.func)
    return out


def _reachable_ops(graph_def, start_tensors):
    """Op types reachable (backwards through data+control inputs, then through every
    function-valued attr, recursively) from the given 'node:idx' / '^node' names."""
    nodes = {n.name: n for n in graph_def.node}
    funcs = {f.signature.name: f for f in graph_def.library.function}
    ops, seen_nodes, seen_funcs = set(), set(), set()
    todo_funcs = []

    def visit_attrs(n):
        for av in n.attr.values():
            for fn in _func_names_in_attr(av):
                if fn not in seen_funcs:
                    seen_funcs.add(fn)
                    todo_funcs.append(fn)

    stack = [t.lstrip("^").split(":")[0] for t in start_tensors]
    while stack:
        nm = stack.pop()
        if nm in seen_nodes or nm not in nodes:
            continue
        seen_nodes.add(nm)
        n = nodes[nm]
        ops.add(n.op)
        if n.op in funcs and n.op not in seen_funcs:  # direct function call node
            seen_funcs.add(n.op)
            todo_funcs.append(n.op)
        visit_attrs(n)
        stack.extend(i.lstrip("^").split(":")[0] for i in n.input)
    while todo_funcs:
        f = funcs.get(todo_funcs.pop())
        if f is None:
            continue
        for n in f.node_def:  # whole function body (functions are small; no pruning)
            ops.add(n.op)
            if n.op in funcs and n.op not in seen_funcs:
                seen_funcs.add(n.op)
                todo_funcs.append(n.op)
            visit_attrs(n)
    return sorted(o for o in ops if o not in funcs)


def _all_ops(graph_def):
    funcs = {f.signature.name for f in graph_def.library.function}
    ops = {n.op for n in graph_def.node}
    for f in graph_def.library.function:
        ops.update(n.op for n in f.node_def)
    return sorted(o for o in ops if o not in funcs)


def _inventory(fixture_dir):
    from tensorflow.core.framework import graph_pb2
    from tensorflow.core.protobuf import saved_model_pb2
    inv = {}
    sm_path = os.path.join(fixture_dir, "saved_model", "saved_model.pb")
    if os.path.exists(sm_path):
        sm = saved_model_pb2.SavedModel()
        with open(sm_path, "rb") as f:
            sm.ParseFromString(f.read())
        mg = sm.meta_graphs[0]
        gd = mg.graph_def
        inv["format"] = "saved_model"
        inv["tags"] = list(mg.meta_info_def.tags)
        inv["ops"] = _all_ops(gd)
        sig = mg.signature_def[SIG]
        inv["signature_ops"] = _reachable_ops(gd, [t.name for t in sig.outputs.values()])
        init_names = []
        if "__saved_model_init_op" in mg.signature_def:
            init_names += [t.name for t in mg.signature_def["__saved_model_init_op"].outputs.values()]
        for key in ("saved_model_main_op", "legacy_init_op"):
            if key in mg.collection_def:
                init_names += list(mg.collection_def[key].node_list.value)
        if init_names:
            inv["init_ops"] = _reachable_ops(gd, init_names)
        sd = mg.saver_def
        if sd.save_tensor_name or sd.restore_op_name:
            inv["saver_ops"] = _reachable_ops(
                gd, [x for x in (sd.save_tensor_name, sd.restore_op_name) if x])
    else:
        gd = graph_pb2.GraphDef()
        with open(os.path.join(fixture_dir, "frozen.pb"), "rb") as f:
            gd.ParseFromString(f.read())
        inv["format"] = "graphdef"
        inv["ops"] = _all_ops(gd)
    ds = sorted(o for o in inv["ops"] if "Dataset" in o)
    if ds:
        inv["dataset_ops"] = ds
    return inv


# --------------------------------------------------------------------------
# fixture builders: each writes into <dir> and returns the expected.json body
# --------------------------------------------------------------------------


def _cond_readfile(d, flag_value):
    import tensorflow as tf

    class M(tf.Module):
        def __init__(self):
            super().__init__()
            self.flag = tf.Variable(0, dtype=tf.int32, name="flag")

        @tf.function(input_signature=[tf.TensorSpec([], tf.float32, name="x")])
        def serve(self, x):
            out = tf.cond(self.flag > 0,
                          lambda: tf.io.read_file("/etc/hostname"),
                          lambda: tf.constant(""))
            return {"contents": out, "y": tf.identity(x)}

    m = M()
    m.flag.assign(flag_value)  # the checkpoint decides the branch
    _save_tf2(m, m.serve, os.path.join(d, "saved_model"))


def build_cond_on_variable_readfile_benign(d):
    _cond_readfile(d, 0)
    return {
        "description": "tf.cond(flag > 0, read_file('/etc/hostname'), '') with int32 variable flag; "
                       "checkpoint holds flag=0 (benign branch selected). The ReadFile branch is "
                       "still present and checkpoint-steerable.",
        "expected_findings": [_finding("checkpoint-steerable", "ReadFile", "checkpoint"),
                              _finding("denied-op", "ReadFile")],
        "must_not_find": ["input-steerable"],
    }


def build_cond_on_variable_readfile_hostile(d):
    _cond_readfile(d, 1)
    return {
        "description": "Same graph as cond_on_variable_readfile_benign but the checkpoint holds "
                       "flag=1, selecting the ReadFile branch. Findings must be identical to benign.",
        "expected_findings": [_finding("checkpoint-steerable", "ReadFile", "checkpoint"),
                              _finding("denied-op", "ReadFile")],
        "must_not_find": ["input-steerable"],
    }


def build_cond_on_variable_writefile(d):
    import tensorflow as tf

    class M(tf.Module):
        def __init__(self):
            super().__init__()
            self.flag = tf.Variable(0, dtype=tf.int32, name="flag")

        @tf.function(input_signature=[tf.TensorSpec([], tf.float32, name="x")])
        def serve(self, x):
            def hostile():
                w = tf.io.write_file("/tmp/ward_scan_cond_write.txt", "pwned")
                with tf.control_dependencies([w]):
                    return tf.constant(1)
            out = tf.cond(self.flag > 0, hostile, lambda: tf.constant(0))
            return {"wrote": out, "y": tf.identity(x)}

    m = M()
    m.flag.assign(1)
    _save_tf2(m, m.serve, os.path.join(d, "saved_model"))
    return {
        "description": "tf.cond(flag > 0, write_file('/tmp/ward_scan_cond_write.txt'), 0) with int32 "
                       "variable flag; checkpoint holds flag=1 (WriteFile branch selected).",
        "expected_findings": [_finding("checkpoint-steerable", "WriteFile", "checkpoint"),
                              _finding("denied-op", "WriteFile")],
        "must_not_find": ["input-steerable", "input-controlled-path"],
    }


def build_writefile_path_from_input(d):
    import tensorflow as tf

    class M(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([], tf.string, name="path")])
        def serve(self, path):
            w = tf.io.write_file(path, "x")
            with tf.control_dependencies([w]):
                return {"ok": tf.constant(1)}

    m = M()
    _save_tf2(m, m.serve, os.path.join(d, "saved_model"))
    return {
        "description": "Signature input string `path`; tf.io.write_file(path, 'x'). The file name "
                       "written is chosen by the caller.",
        "expected_findings": [_finding("denied-op", "WriteFile"),
                              _finding("input-controlled-path", "WriteFile", "input")],
        "must_not_find": ["checkpoint-steerable"],
    }


def build_tile_multiples_from_input(d):
    import tensorflow as tf

    class M(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([2], tf.int32, name="multiples")])
        def serve(self, multiples):
            x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
            return {"y": tf.tile(x, multiples)}

    m = M()
    _save_tf2(m, m.serve, os.path.join(d, "saved_model"))
    return {
        "description": "Input int32 `multiples` [2]; tf.tile(const 2x2, multiples): output size is "
                       "chosen by the caller's values.",
        "expected_findings": [_finding("input-controlled-allocation", "Tile", "input")],
        "must_not_find": ["denied-op", "checkpoint-controlled-allocation"],
    }


def build_while_bounded_by_input(d):
    import tensorflow as tf

    class M(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([], tf.int32, name="n")])
        def serve(self, n):
            i, acc = tf.while_loop(lambda i, acc: i < n,
                                   lambda i, acc: (i + 1, acc + 2.0),
                                   (tf.constant(0), tf.constant(0.0)))
            return {"acc": acc}

    m = M()
    _save_tf2(m, m.serve, os.path.join(d, "saved_model"))
    return {
        "description": "Input int32 scalar `n`; tf.while_loop(i < n, ...): trip count is chosen by "
                       "the caller.",
        "expected_findings": [_finding("input-controlled-loop", "<WHILE>", "input")],
        "must_not_find": ["denied-op", "checkpoint-controlled-loop"],
    }


def build_matching_files(d):
    import tensorflow as tf

    class M(tf.Module):
        @tf.function(input_signature=[])
        def serve(self):
            return {"files": tf.io.matching_files("/etc/*")}

    m = M()
    _save_tf2(m, m.serve, os.path.join(d, "saved_model"))
    return {
        "description": "tf.io.matching_files('/etc/*'): lists the host file system.",
        "expected_findings": [_finding("denied-op", "MatchingFiles")],
        "must_not_find": [],
    }


def build_print_to_file(d):
    import tensorflow as tf

    class M(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x")])
        def serve(self, x):
            p = tf.print(x, output_stream="file:///tmp/ward_scan_print.txt")
            with tf.control_dependencies([p]):
                return {"y": tf.identity(x)}

    m = M()
    _save_tf2(m, m.serve, os.path.join(d, "saved_model"))
    return {
        "description": "tf.print(x, output_stream='file:///tmp/ward_scan_print.txt') -> PrintV2 "
                       "appending to a host file.",
        "expected_findings": [_finding("denied-op", "PrintV2")],
        "must_not_find": [],
    }


def build_immutable_const(d):
    from tensorflow.core.framework import types_pb2 as T
    nodes = [
        _node("mapped", "ImmutableConst", dtype=_a_type(T.DT_FLOAT), shape=_a_shape([4]),
              memory_region_name=_a_str("/etc/passwd")),
        _node("output", "Identity", ["mapped"], T=_a_type(T.DT_FLOAT)),
    ]
    gd = _write_graphdef(nodes, os.path.join(d, "frozen.pb"))
    _check_importable(gd)
    return {
        "description": "Hand-built GraphDef: ImmutableConst(dtype=float, shape=[4], "
                       "memory_region_name='/etc/passwd') -> Identity. ImmutableConst memory-maps "
                       "an arbitrary host file.",
        "expected_findings": [_finding("denied-op", "ImmutableConst")],
        "must_not_find": [],
    }


def build_savev2_in_signature(d):
    import tensorflow as tf

    class M(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([1], tf.float32, name="x")])
        def serve(self, x):
            s = tf.raw_ops.SaveV2(prefix=tf.constant("/tmp/ward_scan_savev2"),
                                  tensor_names=tf.constant(["t"]),
                                  shape_and_slices=tf.constant([""]),
                                  tensors=[x])
            with tf.control_dependencies([s]):
                return {"y": tf.identity(x)}

    m = M()
    _save_tf2(m, m.serve, os.path.join(d, "saved_model"))
    return {
        "description": "serving_default calls tf.raw_ops.SaveV2(prefix='/tmp/ward_scan_savev2', ...): "
                       "writes a checkpoint on every call. (Every TF2 SavedModel also has SaveV2 in "
                       "its saver functions, see saver_ops; this one is in signature_ops.)",
        "expected_findings": [_finding("denied-op", "SaveV2")],
        "must_not_find": [],
    }


def build_dataset_reads_files(d):
    import tensorflow as tf

    class M(tf.Module):
        @tf.function(input_signature=[])
        def serve(self):
            ds = tf.data.TextLineDataset(["/etc/hostname"])
            n = ds.reduce(tf.constant(0, tf.int64), lambda acc, _: acc + 1)
            return {"lines": n}

    m = M()
    _save_tf2(m, m.serve, os.path.join(d, "saved_model"))
    return {
        "description": "tf.data.TextLineDataset(['/etc/hostname']).reduce(count): reads a host file "
                       "from inside a dataset function (FlatMapDataset f -> TextLineDataset).",
        "expected_findings": [_finding("denied-op", "TextLineDataset")],
        "must_not_find": [],
    }


def build_unknown_custom_op(d):
    from tensorflow.core.framework import types_pb2 as T
    nodes = [
        _node("x", "Placeholder", dtype=_a_type(T.DT_FLOAT), shape=_a_shape([-1])),
        _node("custom", "WardTestCustomOp", ["x"], T=_a_type(T.DT_FLOAT)),
        _node("output", "Identity", ["custom"], T=_a_type(T.DT_FLOAT)),
    ]
    _write_graphdef(nodes, os.path.join(d, "frozen.pb"))
    return {
        "description": "Hand-built GraphDef: Placeholder -> WardTestCustomOp (not registered in "
                       "TensorFlow) -> Identity.",
        "expected_findings": [_finding("unknown-op", "WardTestCustomOp")],
        "must_not_find": [],
    }


def build_init_op_reads_file(d):
    import tensorflow as tf
    v1 = tf.compat.v1
    g = tf.Graph()
    with g.as_default():
        x = v1.placeholder(tf.float32, [None], name="x")
        y = tf.identity(x * 2.0, name="y")
        stash = v1.Variable("", dtype=tf.string, name="stash")
        contents = tf.io.read_file("/etc/hostname", name="read_hostname")
        main_op = tf.group(v1.assign(stash, contents), v1.tables_initializer(), name="main_op")
        sig = v1.saved_model.signature_def_utils.predict_signature_def(
            inputs={"x": x}, outputs={"y": y})
        with v1.Session(graph=g) as sess:
            sess.run(v1.global_variables_initializer())
            b = v1.saved_model.Builder(os.path.join(d, "saved_model"))
            b.add_meta_graph_and_variables(sess, [v1.saved_model.tag_constants.SERVING],
                                           signature_def_map={SIG: sig}, main_op=main_op,
                                           strip_default_attrs=True)
            b.save()
    return {
        "description": "TF1 SavedModel (Builder, graph mode) whose main_op assigns "
                       "read_file('/etc/hostname') into variable `stash`: runs at load time, before "
                       "any signature is called.",
        "expected_findings": [_finding("load-time-effect", "ReadFile"),
                              _finding("denied-op", "ReadFile")],
        "must_not_find": [],
    }


def build_reshape_by_input_shape(d):
    import tensorflow as tf

    class M(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32, name="x")])
        def serve(self, x):
            y = tf.reshape(x, [tf.shape(x)[0], 2, 2])
            z = tf.zeros(tf.shape(x))
            return {"y": y, "z": z}

    m = M()
    _save_tf2(m, m.serve, os.path.join(d, "saved_model"))
    return {
        "description": "CLEAN control. x: (None, 4); reshape(x, [shape(x)[0], 2, 2]) and "
                       "zeros(shape(x)) (Fill). Sizes come only from the input's SHAPE (bounded by "
                       "the input the caller already allocated), never from its values.",
        "expected_findings": [],
        "must_not_find": ["input-controlled-allocation"],
    }


def build_fill_dims_from_variable(d):
    import tensorflow as tf

    class M(tf.Module):
        def __init__(self):
            super().__init__()
            self.dims = tf.Variable([2, 3], dtype=tf.int32, name="dims")

        @tf.function(input_signature=[])
        def serve(self):
            return {"y": tf.fill(self.dims, 1.0)}

    m = M()
    _save_tf2(m, m.serve, os.path.join(d, "saved_model"))
    return {
        "description": "tf.Variable dims=[2,3] int32; tf.fill(dims, 1.0): output size read from "
                       "the checkpoint.",
        "expected_findings": [_finding("checkpoint-controlled-allocation", "Fill", "checkpoint")],
        "must_not_find": ["input-controlled-allocation"],
    }


def build_pyfunc(d):
    from tensorflow.core.framework import types_pb2 as T
    nodes = [
        _node("x", "Placeholder", dtype=_a_type(T.DT_FLOAT), shape=_a_shape([-1])),
        _node("py", "PyFunc", ["x"], token=_a_str("x"), Tin=_a_types([T.DT_FLOAT]),
              Tout=_a_types([T.DT_FLOAT])),
        _node("output", "Identity", ["py"], T=_a_type(T.DT_FLOAT)),
    ]
    gd = _write_graphdef(nodes, os.path.join(d, "frozen.pb"))
    _check_importable(gd)
    return {
        "description": "Hand-built GraphDef: Placeholder -> PyFunc(token='x', Tin=[float], "
                       "Tout=[float]) -> Identity. PyFunc calls back into the host Python.",
        "expected_findings": [_finding("denied-op", "PyFunc")],
        "must_not_find": [],
    }


def _check_importable(gd):
    import tensorflow as tf
    with tf.Graph().as_default():
        tf.compat.v1.import_graph_def(gd, name="")


FIXTURES = [
    "cond_on_variable_readfile_benign",
    "cond_on_variable_readfile_hostile",
    "cond_on_variable_writefile",
    "writefile_path_from_input",
    "tile_multiples_from_input",
    "while_bounded_by_input",
    "matching_files",
    "print_to_file",
    "immutable_const",
    "savev2_in_signature",
    "dataset_reads_files",
    "unknown_custom_op",
    "init_op_reads_file",
    "reshape_by_input_shape",
    "fill_dims_from_variable",
    "pyfunc",
]


def build_one(name, out):
    d = os.path.join(out, name)
    if os.path.exists(d):
        # keep reference/ outputs (written by tools/run_reference_scanners.sh)
        for e in os.listdir(d):
            if e != "reference":
                p = os.path.join(d, e)
                shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)
    os.makedirs(d, exist_ok=True)
    body = globals()["build_" + name](d)
    inv = _inventory(d)
    # resolve placeholders that depend on what TF emitted
    for f in body["expected_findings"]:
        if f["op"] == "<WHILE>":
            whiles = [o for o in inv.get("signature_ops", inv["ops"]) if o in ("While", "StatelessWhile")]
            assert len(whiles) == 1, whiles
            f["op"] = whiles[0]
        assert f["op"] in inv["ops"], (name, f, inv["ops"])
    if name == "dataset_reads_files":
        assert "TextLineDataset" in inv["signature_ops"], inv["signature_ops"]
    doc = {"name": name, "description": body["description"],
           "expected_findings": body["expected_findings"],
           "must_not_find": body["must_not_find"]}
    doc.update(inv)
    import tensorflow as tf
    doc["tensorflow_version"] = tf.__version__
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump(doc, f, indent=2, sort_keys=False)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default="", help="comma-separated fixture names")
    ap.add_argument("--one", default="", help=argparse.SUPPRESS)  # worker mode
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    if args.one:
        build_one(args.one, out)
        return
    names = [n for n in args.only.split(",") if n] or FIXTURES
    for n in names:
        if n not in FIXTURES:
            sys.exit("unknown fixture %s" % n)
    os.makedirs(out, exist_ok=True)
    env = dict(os.environ, PYTHONHASHSEED="0")
    failed = []
    for n in names:
        r = subprocess.run([sys.executable, os.path.abspath(__file__), "--out", out, "--one", n],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        status = "ok" if r.returncode == 0 else "FAILED"
        print("%-36s %s" % (n, status), flush=True)
        if r.returncode != 0:
            failed.append(n)
            print(r.stdout[-4000:])
    if failed:
        sys.exit("failed: " + ", ".join(failed))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Generate the TensorFlow model fixtures used by ward's tests.

Run with the venv made by tools/setup_tf_venv.sh:

    /root/venvs/tf/bin/python tools/gen_fixtures.py --out tests/fixtures/models
    ... --full            # also mobilenet_v2_full and transformer_full (benchmarks, not committed)
    ... --only mlp,cnn    # only some models

For every model NAME it writes NAME/{saved_model/, frozen.pb, inputs/, expected/, meta.json}
(see tests/fixtures/models/README.md).

TF2 (Keras) models and TF1 (graph mode, control flow v1) models are generated in
separate Python processes, because TF1 behaviour (disable_eager_execution,
disable_control_flow_v2, ref variables) is process-global. A final, separate
process re-imports every frozen.pb into a tf.compat.v1.Session and checks it
against the stored expected outputs.

Everything is deterministic: fixed seeds for weights (tf.keras.utils.set_random_seed),
for numpy inputs, and oneDNN is disabled so reference numbers come from plain Eigen
kernels.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

# Must be set before TensorFlow is imported (in whichever process imports it).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

TF2_MODELS = ["mlp", "cnn", "mobilenet_v2", "transformer"]
TF1_MODELS = ["tf1_control_flow", "tf1_variables"]
FULL_MODELS = ["mobilenet_v2_full", "transformer_full"]
ALL_DEFAULT = TF2_MODELS + TF1_MODELS

SEED = 1234


# --------------------------------------------------------------------------------------
# helpers shared by the TF1 and TF2 generators (import tensorflow lazily)
# --------------------------------------------------------------------------------------

def _tf():
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")  # silence TF1 API deprecation warnings
    tf.config.threading.set_intra_op_parallelism_threads(2)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    return tf


def _session_config(tf):
    return tf.compat.v1.ConfigProto(intra_op_parallelism_threads=2, inter_op_parallelism_threads=1)


def graph_ops(graph_def):
    """Op types of a GraphDef, including the nodes of its function library."""
    ops = {n.op for n in graph_def.node}
    for f in graph_def.library.function:
        ops.update(n.op for n in f.node_def)
    return ops


def saved_model_info(sm_dir, tag="serve", sig_key="serving_default"):
    """(ops, signature inputs, signature outputs) read from saved_model.pb itself."""
    import tensorflow as tf
    from tensorflow.core.protobuf import saved_model_pb2

    sm = saved_model_pb2.SavedModel()
    with open(os.path.join(sm_dir, "saved_model.pb"), "rb") as f:
        sm.ParseFromString(f.read())
    ops = set()
    mg = None
    for m in sm.meta_graphs:
        ops |= graph_ops(m.graph_def)
        if tag in m.meta_info_def.tags:
            mg = m
    assert mg is not None, "no meta graph with tag %r" % tag
    sig = mg.signature_def[sig_key]

    def conv(tinfos):
        out = {}
        for k, ti in tinfos.items():
            shape = None
            if not ti.tensor_shape.unknown_rank:
                shape = [d.size for d in ti.tensor_shape.dim]
            out[k] = {
                "dtype": tf.dtypes.as_dtype(ti.dtype).name,
                "shape": shape,
                "saved_model_tensor": ti.name,
            }
        return out

    return ops, conv(sig.inputs), conv(sig.outputs), sig.method_name


def reset_dir(path):
    if os.path.exists(path):
        shutil.rmtree(path)
    os.makedirs(path)


def save_npy_dir(d, arrays):
    os.makedirs(d, exist_ok=True)
    for k, v in arrays.items():
        import numpy as np

        np.save(os.path.join(d, k + ".npy"), v, allow_pickle=False)


def write_graph_def(path, graph_def):
    with open(path, "wb") as f:
        f.write(graph_def.SerializeToString(deterministic=True))


def run_frozen(tf, pb_path, feeds, fetches):
    """Import a frozen GraphDef into a fresh graph and run it in a tf.compat.v1.Session.

    feeds: {tensor_name: array}, fetches: {key: tensor_name}."""
    gd = tf.compat.v1.GraphDef()
    with open(pb_path, "rb") as f:
        gd.ParseFromString(f.read())
    g = tf.Graph()
    with g.as_default():
        tf.import_graph_def(gd, name="")
    with tf.compat.v1.Session(graph=g, config=_session_config(tf)) as sess:
        res = sess.run({k: g.get_tensor_by_name(t) for k, t in fetches.items()},
                       feed_dict={g.get_tensor_by_name(t): v for t, v in feeds.items()})
    return res


def assert_close(name, got, want, rtol, atol):
    import numpy as np

    for k in want:
        g, w = np.asarray(got[k]), np.asarray(want[k])
        if g.shape != w.shape or g.dtype != w.dtype or not np.allclose(g, w, rtol=rtol, atol=atol):
            diff = np.max(np.abs(g.astype(np.float64) - w.astype(np.float64))) if g.shape == w.shape else "shape"
            raise AssertionError("%s/%s mismatch: got %s %s want %s %s maxdiff=%s"
                                 % (name, k, g.dtype, g.shape, w.dtype, w.shape, diff))


def write_meta(model_dir, meta):
    with open(os.path.join(model_dir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2, sort_keys=False)
        f.write("\n")


def print_ops(name, meta):
    print("[%s] frozen_ops (%d): %s" % (name, len(meta["frozen_ops"]), " ".join(meta["frozen_ops"])))
    print("[%s] saved_model_ops (%d): %s" % (name, len(meta["saved_model_ops"]),
                                              " ".join(meta["saved_model_ops"])))
    sys.stdout.flush()


# --------------------------------------------------------------------------------------
# TF2 / Keras models
# --------------------------------------------------------------------------------------

def _randomize_batchnorm(tf, model, rng, calib):
    """Give every BatchNormalization layer non-trivial gamma/beta/moving stats.

    Purely random moving stats make a deep net (MobileNetV2) collapse to an
    input-independent output, so the moving stats are first calibrated to the batch
    statistics of a calibration batch (one training-mode pass with momentum 0, i.e. what
    training would converge to), then perturbed randomly. gamma/beta are random."""
    bns = [l for l in model.layers if isinstance(l, tf.keras.layers.BatchNormalization)]
    for layer in bns:
        c = layer.moving_mean.shape[0]
        if layer.gamma is not None:
            layer.gamma.assign(rng.uniform(0.7, 1.3, c).astype("float32"))
        if layer.beta is not None:
            layer.beta.assign(rng.uniform(-0.2, 0.2, c).astype("float32"))
    saved = [l.momentum for l in bns]
    for layer in bns:
        layer.momentum = 0.0
    model(calib, training=True)  # moving stats := batch stats of the calibration batch
    for layer, m in zip(bns, saved):
        layer.momentum = m
        c = layer.moving_mean.shape[0]
        mean = layer.moving_mean.numpy()
        var = layer.moving_variance.numpy()
        layer.moving_mean.assign((mean + rng.uniform(-0.1, 0.1, c) * (abs(mean) + 0.1)).astype("float32"))
        layer.moving_variance.assign((var * rng.uniform(0.8, 1.25, c) + 1e-3).astype("float32"))
    return len(bns)


def build_tf2(name, rng):
    """Returns (model, input_key, input TensorSpec, output_key, example input, notes, tols)."""
    tf = _tf()
    K = tf.keras
    L = tf.keras.layers
    tols = (1e-4, 1e-5)
    if name == "mlp":
        model = K.Sequential([
            K.Input((20,), name="x"),
            L.Dense(32, activation="relu"),
            L.Dense(16, activation="relu"),
            L.Dense(10),
            L.Softmax(),
        ], name="mlp")
        x = rng.standard_normal((2, 20)).astype("float32")
        return model, "x", tf.TensorSpec([None, 20], tf.float32), "probs", x, \
            "Keras Sequential MLP 20-32-16-10 with softmax.", tols
    if name == "cnn":
        inp = K.Input((32, 32, 3), name="image")
        h = L.Conv2D(8, 3, padding="same")(inp)
        h = L.BatchNormalization()(h)
        h = L.ReLU()(h)
        h = L.MaxPool2D()(h)
        h = L.Conv2D(16, 3, strides=2, padding="valid")(h)
        h = L.BatchNormalization()(h)
        h = L.ReLU()(h)
        h = L.GlobalAveragePooling2D()(h)
        out = L.Dense(10)(h)
        model = K.Model(inp, out, name="cnn")
        nbn = _randomize_batchnorm(tf, model, rng, rng.standard_normal((8, 32, 32, 3)).astype("float32"))
        assert nbn == 2
        x = rng.standard_normal((2, 32, 32, 3)).astype("float32")
        return model, "image", tf.TensorSpec([None, 32, 32, 3], tf.float32), "logits", x, \
            "Small CNN (Conv2D/BN/ReLU/MaxPool/Conv2D s2 valid/BN/ReLU/GAP/Dense); BN gamma/beta random, " \
            "moving mean/variance calibrated on a random batch then randomly perturbed (non-trivial); " \
            "inference mode.", tols
    if name in ("mobilenet_v2", "mobilenet_v2_full"):
        full = name.endswith("_full")
        size, alpha, classes = (224, 1.0, 1000) if full else (96, 0.35, 10)
        model = K.applications.MobileNetV2(weights=None, alpha=alpha, input_shape=(size, size, 3),
                                           classes=classes)
        nbn = _randomize_batchnorm(tf, model, rng,
                                   rng.uniform(-1.0, 1.0, (8, size, size, 3)).astype("float32"))
        x = rng.uniform(-1.0, 1.0, (2, size, size, 3)).astype("float32")
        return model, "image", tf.TensorSpec([None, size, size, 3], tf.float32), "probs", x, \
            "tf.keras.applications.MobileNetV2(weights=None, alpha=%s, input_shape=(%d,%d,3), classes=%d), " \
            "softmax head; %d BatchNormalization layers: random gamma/beta, moving stats calibrated on a " \
            "random batch then randomly perturbed." \
            % (alpha, size, size, classes, nbn), (1e-3, 1e-4)
    if name in ("transformer", "transformer_full"):
        seq = 128 if name.endswith("_full") else 16
        vocab, dim = 100, 32

        class PositionEmbedding(L.Layer):
            def __init__(self, length, width, **kw):
                super().__init__(**kw)
                self.length, self.width = length, width

            def build(self, input_shape):
                self.pos = self.add_weight(name="pos", shape=(self.length, self.width),
                                           initializer=K.initializers.RandomNormal(stddev=0.1))

            def call(self, x):
                return x + self.pos

        tokens = K.Input((seq,), dtype="int32", name="tokens")
        h = L.Embedding(vocab, dim)(tokens)
        h = PositionEmbedding(seq, dim, name="position_embedding")(h)
        for i in range(2):
            a = L.MultiHeadAttention(num_heads=4, key_dim=8, name="mha_%d" % i)(h, h)
            h = L.LayerNormalization(name="ln_attn_%d" % i)(L.Add()([h, a]))
            f = L.Dense(64, activation="gelu", name="ffn_in_%d" % i)(h)
            f = L.Dense(32, name="ffn_out_%d" % i)(f)
            h = L.LayerNormalization(name="ln_ffn_%d" % i)(L.Add()([h, f]))
        h = L.GlobalAveragePooling1D()(h)
        out = L.Dense(4)(h)
        model = K.Model(tokens, out, name=name)
        x = rng.integers(0, vocab, (2, seq)).astype("int32")
        return model, "tokens", tf.TensorSpec([None, seq], tf.int32), "logits", x, \
            "2-layer post-LN transformer encoder (Keras 3 functional): Embedding(100,32) + learned " \
            "position embedding, MultiHeadAttention(4 heads, key_dim 8), exact GELU (Erf), " \
            "GlobalAveragePooling1D, Dense(4). seq len %d." % seq, (1e-4, 1e-5)
    raise ValueError(name)


def gen_tf2(name, out_root):
    tf = _tf()
    import numpy as np
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    tf.keras.utils.set_random_seed(SEED)
    rng = np.random.default_rng(SEED)
    model, in_key, spec, out_key, x, notes, (rtol, atol) = build_tf2(name, rng)

    # Explicit serving function so that the signature keys are stable and meaningful.
    def make_serve():
        if in_key == "x":
            def serve(x):
                return {out_key: model(x, training=False)}
        elif in_key == "image":
            def serve(image):
                return {out_key: model(image, training=False)}
        elif in_key == "tokens":
            def serve(tokens):
                return {out_key: model(tokens, training=False)}
        else:
            raise ValueError(in_key)
        return tf.function(serve, input_signature=[tf.TensorSpec(spec.shape, spec.dtype, name=in_key)])

    module = tf.Module()
    module.model = model
    module.serve = make_serve()
    concrete = module.serve.get_concrete_function()

    model_dir = os.path.join(out_root, name)
    reset_dir(model_dir)
    sm_dir = os.path.join(model_dir, "saved_model")
    tf.saved_model.save(module, sm_dir, signatures={"serving_default": concrete})

    direct = model(x, training=False).numpy()

    # Expected outputs: call the *loaded* SavedModel's serving signature.
    loaded = tf.saved_model.load(sm_dir)
    sig = loaded.signatures["serving_default"]
    expected = {k: v.numpy() for k, v in sig(**{in_key: tf.constant(x)}).items()}
    assert set(expected) == {out_key}, expected.keys()
    assert np.allclose(expected[out_key], direct, rtol=1e-5, atol=1e-6), "loaded != direct"

    # Frozen graph of the serving signature.
    frozen = convert_variables_to_constants_v2(concrete)
    gd = frozen.graph.as_graph_def()
    write_graph_def(os.path.join(model_dir, "frozen.pb"), gd)
    assert len(frozen.inputs) == 1, frozen.inputs
    frozen_in = frozen.inputs[0].name
    out_keys = sorted(concrete.structured_outputs.keys())  # tf.nest flattens dicts by sorted key
    assert len(frozen.outputs) == len(out_keys)
    frozen_out = {k: t.name for k, t in zip(out_keys, frozen.outputs)}

    save_npy_dir(os.path.join(model_dir, "inputs"), {in_key: x})
    save_npy_dir(os.path.join(model_dir, "expected"), expected)

    got = run_frozen(tf, os.path.join(model_dir, "frozen.pb"), {frozen_in: x}, frozen_out)
    assert_close(name + " (frozen)", got, expected, rtol, atol)

    sm_ops, sig_in, sig_out, method = saved_model_info(sm_dir)
    sig_in[in_key]["frozen_tensor"] = frozen_in
    for k in sig_out:
        sig_out[k]["frozen_tensor"] = frozen_out[k]
    meta = {
        "name": name,
        "tf_version": tf.__version__,
        "keras_version": tf.keras.__version__ if hasattr(tf.keras, "__version__") else None,
        "kind": "tf2-keras",
        "signature": "serving_default",
        "signature_method_name": method,
        "tag_set": "serve",
        "inputs": sig_in,
        "outputs": sig_out,
        "rtol": rtol,
        "atol": atol,
        "num_params": int(model.count_params()),
        "notes": notes + " Saved with tf.saved_model.save of a tf.Module wrapping the Keras model "
                         "(explicit serving tf.function); frozen.pb = convert_variables_to_constants_v2 "
                         "of that concrete function. Expected outputs from the loaded SavedModel "
                         "signature.",
        "frozen_ops": sorted(graph_ops(gd)),
        "saved_model_ops": sorted(sm_ops),
    }
    write_meta(model_dir, meta)
    print_ops(name, meta)


# --------------------------------------------------------------------------------------
# TF1 graph-mode models (own process: v2 behaviour disabled globally)
# --------------------------------------------------------------------------------------

def gen_tf1(name, out_root):
    tf = _tf()
    tf.compat.v1.disable_v2_behavior()
    tf.compat.v1.disable_eager_execution()
    tf.compat.v1.disable_control_flow_v2()
    tf.compat.v1.disable_resource_variables()
    import numpy as np

    v1 = tf.compat.v1
    rng = np.random.default_rng(SEED)
    model_dir = os.path.join(out_root, name)
    reset_dir(model_dir)
    sm_dir = os.path.join(model_dir, "saved_model")
    in_key, out_key = "x", "y"
    extra = {}

    g = tf.Graph()
    with g.as_default():
        v1.set_random_seed(SEED)
        x = v1.placeholder(tf.float32, [None, 4], name="x")
        if name == "tf1_control_flow":
            pred = tf.reduce_sum(x) > 0
            y = v1.cond(pred, lambda: x * 2.0, lambda: x - 1.0, name="cond")
            i0 = tf.constant(0, name="i0")
            acc0 = tf.zeros_like(y, name="acc0")
            _, acc = v1.while_loop(lambda i, a: i < 5, lambda i, a: (i + 1, a * 0.5 + y),
                                   [i0, acc0], name="loop")
            out = tf.identity(acc, name="output")
            xin = np.abs(rng.standard_normal((2, 4))).astype("float32") + 0.1   # sum > 0: true branch
            xneg = -np.abs(rng.standard_normal((2, 4))).astype("float32") - 0.1  # sum < 0: false branch
            notes = ("TF1 graph mode, control flow v1. y = cond(reduce_sum(x) > 0, x*2, x-1) over the whole "
                     "batch; acc = 0; while i < 5: acc = acc*0.5 + y; i += 1; output = acc "
                     "(= y * 1.9375). inputs/x.npy has sum > 0 (TRUE branch, x*2); inputs_neg/x.npy has "
                     "sum < 0 (FALSE branch, x-1) with expected_neg/. No variables (the Builder writes no "
                     "variables/ directory).")
        elif name == "tf1_variables":
            w_np = rng.standard_normal((4, 3)).astype("float32")
            b_np = rng.standard_normal((3,)).astype("float32")
            W = v1.Variable(w_np, name="W", use_resource=False)
            b = v1.Variable(b_np, name="b", use_resource=False)
            assert W.op.type == "VariableV2", W.op.type
            out = tf.nn.relu(tf.matmul(x, W) + b, name="output")
            xin = rng.standard_normal((2, 4)).astype("float32")
            xneg = None
            notes = ("TF1 graph mode, ref variables (VariableV2) W[4,3], b[3]; y = relu(matmul(x, W) + b). "
                     "Saved with tf.compat.v1.saved_model.Builder: values live only in "
                     "variables/variables.{index,data-00000-of-00001} and are restored by the SaverDef's "
                     "restore op (save/restore_all). frozen.pb: convert_variables_to_constants.")
        else:
            raise ValueError(name)

        with v1.Session(graph=g, config=_session_config(tf)) as sess:
            sess.run(v1.global_variables_initializer())
            builder = v1.saved_model.Builder(sm_dir)
            sig = v1.saved_model.signature_def_utils.predict_signature_def(
                inputs={in_key: x}, outputs={out_key: out})
            builder.add_meta_graph_and_variables(
                sess, [v1.saved_model.tag_constants.SERVING],
                signature_def_map={"serving_default": sig}, strip_default_attrs=True)
            builder.save()
            frozen_gd = v1.graph_util.convert_variables_to_constants(
                sess, g.as_graph_def(), [out.op.name])
        write_graph_def(os.path.join(model_dir, "frozen.pb"), frozen_gd)

    # Expected outputs: load the SavedModel into a fresh graph and run its signature.
    def run_saved_model(inp):
        g2 = tf.Graph()
        with v1.Session(graph=g2, config=_session_config(tf)) as s2:
            mg = v1.saved_model.loader.load(s2, ["serve"], sm_dir)
            sd = mg.signature_def["serving_default"]
            return s2.run({k: g2.get_tensor_by_name(t.name) for k, t in sd.outputs.items()},
                          feed_dict={g2.get_tensor_by_name(sd.inputs[in_key].name): inp})

    expected = run_saved_model(xin)
    if name == "tf1_control_flow":
        assert np.allclose(expected[out_key], xin * 2.0 * 1.9375, rtol=1e-6), "true branch mismatch"
    else:
        assert np.allclose(expected[out_key], np.maximum(xin @ w_np + b_np, 0), rtol=1e-5, atol=1e-6)
    save_npy_dir(os.path.join(model_dir, "inputs"), {in_key: xin})
    save_npy_dir(os.path.join(model_dir, "expected"), expected)

    frozen_in = x.name
    frozen_out = {out_key: out.name}
    got = run_frozen(tf, os.path.join(model_dir, "frozen.pb"), {frozen_in: xin}, frozen_out)
    assert_close(name + " (frozen)", got, expected, 1e-4, 1e-5)

    if xneg is not None:
        expected_neg = run_saved_model(xneg)
        assert np.allclose(expected_neg[out_key], (xneg - 1.0) * 1.9375, rtol=1e-6), "false branch mismatch"
        save_npy_dir(os.path.join(model_dir, "inputs_neg"), {in_key: xneg})
        save_npy_dir(os.path.join(model_dir, "expected_neg"), expected_neg)
        got = run_frozen(tf, os.path.join(model_dir, "frozen.pb"), {frozen_in: xneg}, frozen_out)
        assert_close(name + " (frozen, neg)", got, expected_neg, 1e-4, 1e-5)
        extra["extra_cases"] = [
            {"inputs": "inputs", "expected": "expected", "branch": "true", "note": "reduce_sum(x) > 0"},
            {"inputs": "inputs_neg", "expected": "expected_neg", "branch": "false",
             "note": "reduce_sum(x) <= 0"},
        ]

    fops = graph_ops(frozen_gd)
    if name == "tf1_control_flow":
        need = {"Switch", "Merge", "Enter", "Exit", "NextIteration", "LoopCond"}
        assert need <= fops, "frozen graph lacks control-flow v1 ops: %s" % (need - fops)
    if name == "tf1_variables":
        idx = os.path.join(sm_dir, "variables", "variables.index")
        data = os.path.join(sm_dir, "variables", "variables.data-00000-of-00001")
        assert os.path.exists(idx) and os.path.exists(data), os.listdir(os.path.join(sm_dir, "variables"))

    sm_ops, sig_in, sig_out, method = saved_model_info(sm_dir)
    sig_in[in_key]["frozen_tensor"] = frozen_in
    sig_out[out_key]["frozen_tensor"] = frozen_out[out_key]
    meta = {
        "name": name,
        "tf_version": tf.__version__,
        "kind": "tf1",
        "signature": "serving_default",
        "signature_method_name": method,
        "tag_set": "serve",
        "inputs": sig_in,
        "outputs": sig_out,
        "rtol": 1e-4,
        "atol": 1e-5,
        "notes": notes,
        "frozen_ops": sorted(fops),
        "saved_model_ops": sorted(sm_ops),
    }
    meta.update(extra)
    write_meta(model_dir, meta)
    print_ops(name, meta)


# --------------------------------------------------------------------------------------
# Independent verification of every frozen.pb (fresh process, TF2 default settings)
# --------------------------------------------------------------------------------------

def verify(names, out_root):
    tf = _tf()
    import numpy as np

    ok = 0
    for name in names:
        d = os.path.join(out_root, name)
        with open(os.path.join(d, "meta.json")) as f:
            meta = json.load(f)
        cases = [("inputs", "expected")]
        cases += [(c["inputs"], c["expected"]) for c in meta.get("extra_cases", [])
                  if c["inputs"] != "inputs"]
        for in_dir, exp_dir in cases:
            feeds = {spec["frozen_tensor"]: np.load(os.path.join(d, in_dir, k + ".npy"))
                     for k, spec in meta["inputs"].items()}
            for (k, spec), t in zip(meta["inputs"].items(), feeds):
                assert feeds[t].dtype == np.dtype(spec["dtype"]), (name, k)
            want = {k: np.load(os.path.join(d, exp_dir, k + ".npy")) for k in meta["outputs"]}
            fetches = {k: spec["frozen_tensor"] for k, spec in meta["outputs"].items()}
            got = run_frozen(tf, os.path.join(d, "frozen.pb"), feeds, fetches)
            assert_close("%s/%s" % (name, in_dir), got, want, meta["rtol"], meta["atol"])
            maxdiff = max(float(np.max(np.abs(got[k] - want[k]))) for k in want)
            print("verify %-20s %-11s OK (max |diff| = %.3g)" % (name, in_dir, maxdiff))
            ok += 1
    print("%d passed, 0 failed" % ok)


# --------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="tests/fixtures/models")
    ap.add_argument("--full", action="store_true",
                    help="also generate mobilenet_v2_full and transformer_full (large; not committed)")
    ap.add_argument("--only", default="", help="comma-separated subset of model names")
    ap.add_argument("--_worker", choices=["tf1", "tf2", "verify"], help=argparse.SUPPRESS)
    ap.add_argument("names", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    out_root = os.path.abspath(args.out)

    if args._worker == "tf2":
        for n in args.names:
            gen_tf2(n, out_root)
        return
    if args._worker == "tf1":
        assert len(args.names) == 1  # each TF1 model in its own clean process
        gen_tf1(args.names[0], out_root)
        return
    if args._worker == "verify":
        verify(args.names, out_root)
        return

    names = ALL_DEFAULT + (FULL_MODELS if args.full else [])
    if args.only:
        want = args.only.split(",")
        unknown = set(want) - set(ALL_DEFAULT + FULL_MODELS)
        if unknown:
            ap.error("unknown model(s): %s" % ", ".join(sorted(unknown)))
        names = [n for n in ALL_DEFAULT + FULL_MODELS if n in want]
    os.makedirs(out_root, exist_ok=True)

    def run(worker, ns):
        cmd = [sys.executable, os.path.abspath(__file__), "--out", out_root, "--_worker", worker] + ns
        subprocess.run(cmd, check=True)

    tf2 = [n for n in names if n not in TF1_MODELS]
    if tf2:
        run("tf2", tf2)
    for n in names:
        if n in TF1_MODELS:
            run("tf1", [n])
    run("verify", names)


if __name__ == "__main__":
    main()

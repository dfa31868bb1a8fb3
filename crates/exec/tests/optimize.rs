//! The load-time optimizer: folded and fused graphs compute what the graph
//! as loaded computes (BatchNorm-style chains after Conv2D and depthwise
//! convolutions with every channel-block path, function calls inlined),
//! intermediate values stay fetchable, a feed past a rewrite falls back to
//! the original graph, and folding never builds huge constants.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use ward_exec::{ExecOptions, Executable, RunRequest};
use ward_graph::{
    Attr, FuncRef, Function, Graph, Library, Model, Node, NodeId, PartialShape, TypeAttr, ValueRef,
};
use ward_ops::registry;
use ward_tensor::{Budget, DType, Shape, Tensor};

fn constant(graph: &mut Graph, name: &str, t: Tensor) -> NodeId {
    let mut node = Node::new(name, "Const");
    node.attrs
        .insert("dtype".into(), Attr::Type(TypeAttr::Data(t.dtype())));
    node.attrs.insert("value".into(), Attr::Tensor(t));
    graph.add(node).unwrap()
}

fn op(graph: &mut Graph, name: &str, op: &str, inputs: &[NodeId]) -> NodeId {
    let mut node = Node::new(name, op);
    node.inputs = inputs.iter().map(|&i| ValueRef::new(i, 0)).collect();
    node.attrs
        .insert("T".into(), Attr::Type(TypeAttr::Data(DType::F32)));
    graph.add(node).unwrap()
}

/// A convolution-like node with its strides (`stride` in H and W) and
/// padding set.
fn windowed(
    graph: &mut Graph,
    name: &str,
    op_name: &str,
    inputs: &[NodeId],
    (stride, padding): (i64, &str),
) -> NodeId {
    let id = op(graph, name, op_name, inputs);
    let node = graph.node_mut(id).unwrap();
    node.attrs
        .insert("strides".into(), Attr::IntList(vec![1, stride, stride, 1]));
    node.attrs
        .insert("padding".into(), Attr::Str(padding.as_bytes().to_vec()));
    id
}

fn placeholder(graph: &mut Graph, name: &str, dims: &[usize]) -> NodeId {
    let mut node = Node::new(name, "Placeholder");
    node.attrs
        .insert("dtype".into(), Attr::Type(TypeAttr::Data(DType::F32)));
    node.attrs
        .insert("shape".into(), Attr::Shape(PartialShape::known(dims)));
    graph.add(node).unwrap()
}

/// Deterministic values in [-1, 1).
fn values(dims: &[usize], seed: u32) -> Tensor {
    let n: usize = dims.iter().product();
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let data = (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state % 2000) as f32 / 1000.0 - 1.0
        })
        .collect();
    Tensor::from_vec(Shape::new(dims.to_vec()).unwrap(), data, None).unwrap()
}

fn compile(model: Model, optimize: bool) -> Executable {
    Executable::new(
        model,
        registry(),
        &ExecOptions {
            threads: 2,
            optimize,
            ..Default::default()
        },
    )
    .unwrap()
}

fn run(exe: &Executable, feeds: Vec<(&str, Tensor)>, fetch: &str) -> Tensor {
    let graph = exe.graph();
    let feeds = feeds
        .into_iter()
        .map(|(n, t)| (graph.resolve_tensor(n).unwrap(), t))
        .collect();
    let fetches = vec![graph.resolve_tensor(fetch).unwrap()];
    exe.run(
        &Budget::unlimited(),
        RunRequest {
            feeds,
            fetches,
            targets: Vec::new(),
        },
    )
    .unwrap()
    .remove(0)
}

fn assert_close(a: &Tensor, b: &Tensor) {
    assert_eq!(a.dims(), b.dims());
    let (a, b) = (a.as_slice::<f32>().unwrap(), b.as_slice::<f32>().unwrap());
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= 1e-5 + 1e-5 * y.abs(),
            "element {i}: {x} vs {y}"
        );
    }
}

/// x → conv → Mul(scale) → AddV2(shift) → activation, the shape Keras
/// BatchNormalization leaves in a SavedModel once its constants fold.
fn bn_chain(
    conv_op: &str,
    input: &[usize],
    filter: &[usize],
    stride: i64,
    padding: &str,
    activation: &str,
) -> (Graph, usize) {
    let mut g = Graph::new();
    let x = placeholder(&mut g, "x", input);
    let w = constant(&mut g, "w", values(filter, 1));
    let channels = if conv_op == "Conv2D" {
        filter[3]
    } else {
        filter[2] * filter[3]
    };
    let conv = windowed(&mut g, "conv", conv_op, &[x, w], (stride, padding));
    // Scale and shift computed from "variables" as BatchNorm does.
    let var = constant(&mut g, "var", values(&[channels], 2));
    let eps = constant(&mut g, "eps", Tensor::scalar(1.5f32));
    let var_eps = op(&mut g, "var_eps", "AddV2", &[var, eps]);
    let rsqrt = op(&mut g, "rsqrt", "Rsqrt", &[var_eps]);
    let gamma = constant(&mut g, "gamma", values(&[channels], 3));
    let scale = op(&mut g, "scale", "Mul", &[rsqrt, gamma]);
    let mean = constant(&mut g, "mean", values(&[channels], 4));
    let mean_scaled = op(&mut g, "mean_scaled", "Mul", &[mean, scale]);
    let beta = constant(&mut g, "beta", values(&[channels], 5));
    let shift = op(&mut g, "shift", "Sub", &[beta, mean_scaled]);
    let mul = op(&mut g, "mul", "Mul", &[conv, scale]);
    let add = op(&mut g, "add", "AddV2", &[mul, shift]);
    let act = op(&mut g, "act", activation, &[add]);
    let _out = op(&mut g, "out", "Identity", &[act]);
    (g, channels)
}

fn model(graph: Graph) -> Model {
    Model {
        graph,
        library: Library::new(),
    }
}

/// Convolution op, input dims, filter dims, stride, padding, activation.
type Case<'a> = (&'a str, &'a [usize], &'a [usize], i64, &'a str, &'a str);

#[test]
fn batch_norm_chains_fuse_and_match() {
    let cases: &[Case] = &[
        ("Conv2D", &[1, 9, 9, 5], &[3, 3, 5, 7], 1, "SAME", "Relu6"),
        ("Conv2D", &[2, 8, 8, 3], &[3, 3, 3, 16], 2, "VALID", "Relu"),
        // Pointwise: one GEMM in row blocks, each finished in cache.
        (
            "Conv2D",
            &[1, 40, 40, 8],
            &[1, 1, 8, 24],
            1,
            "VALID",
            "Relu6",
        ),
        // Depthwise: tiles of 4 interior pixels in 32-, 16- and 1-channel
        // blocks; edge pixels in 64-, 16- and 1-channel blocks.
        (
            "DepthwiseConv2dNative",
            &[1, 10, 12, 83],
            &[3, 3, 83, 1],
            1,
            "SAME",
            "Relu6",
        ),
        (
            "DepthwiseConv2dNative",
            &[1, 11, 13, 147],
            &[5, 5, 147, 1],
            2,
            "VALID",
            "Relu",
        ),
        (
            "DepthwiseConv2dNative",
            &[1, 7, 7, 80],
            &[3, 3, 80, 1],
            1,
            "SAME",
            "Relu6",
        ),
        (
            "DepthwiseConv2dNative",
            &[2, 9, 9, 67],
            &[3, 3, 67, 1],
            2,
            "SAME",
            "Elu",
        ),
        (
            "DepthwiseConv2dNative",
            &[1, 6, 6, 35],
            &[3, 3, 35, 2],
            1,
            "VALID",
            "Relu",
        ),
        (
            "DepthwiseConv2dNative",
            &[1, 5, 5, 3],
            &[2, 2, 3, 40],
            1,
            "SAME",
            "Relu6",
        ),
    ];
    for &(conv, input, filter, stride, padding, act) in cases {
        let (g, _) = bn_chain(conv, input, filter, stride, padding, act);
        let plain = compile(model(g.clone()), false);
        let fast = compile(model(g), true);
        let stats = fast.optimize_stats();
        assert_eq!(stats.fused_layers, 1, "{conv} {input:?}: {stats:?}");
        // var+eps, rsqrt, scale, mean*scale, shift
        assert!(stats.folded_nodes >= 5, "{stats:?}");
        let x = values(input, 9);
        let want = run(&plain, vec![("x", x.clone())], "out");
        let got = run(&fast, vec![("x", x.clone())], "out");
        assert_close(&got, &want);
        // An absorbed intermediate is still computed when fetched.
        let mid_plain = run(&plain, vec![("x", x.clone())], "mul");
        let mid_fast = run(&fast, vec![("x", x)], "mul");
        assert_close(&mid_fast, &mid_plain);
    }
}

#[test]
fn feeding_past_a_rewrite_uses_the_original_graph() {
    let (g, _) = bn_chain("Conv2D", &[1, 5, 5, 2], &[3, 3, 2, 4], 1, "SAME", "Relu6");
    let plain = compile(model(g.clone()), false);
    let fast = compile(model(g), true);
    assert_eq!(fast.optimize_stats().fused_layers, 1);
    // Feeding the Mul's output: the fused op would skip it.
    let fed = values(&[1, 5, 5, 4], 11);
    let want = run(
        &plain,
        vec![("x", values(&[1, 5, 5, 2], 1)), ("mul", fed.clone())],
        "out",
    );
    let got = run(
        &fast,
        vec![("x", values(&[1, 5, 5, 2], 1)), ("mul", fed)],
        "out",
    );
    assert_close(&got, &want);
    // Feeding a folded constant too.
    let shift = values(&[4], 12);
    let want = run(
        &plain,
        vec![("x", values(&[1, 5, 5, 2], 1)), ("shift", shift.clone())],
        "out",
    );
    let got = run(
        &fast,
        vec![("x", values(&[1, 5, 5, 2], 1)), ("shift", shift)],
        "out",
    );
    assert_close(&got, &want);
}

#[test]
fn a_chain_with_a_second_reader_is_not_fused() {
    let (mut g, _) = bn_chain("Conv2D", &[1, 5, 5, 2], &[3, 3, 2, 4], 1, "SAME", "Relu6");
    let mul = g.find("mul").unwrap();
    op(&mut g, "other_reader", "Neg", &[mul]);
    let fast = compile(model(g), true);
    // The conv → Mul link has one reader; Mul → Add has two, so only the
    // scale folds in (conv + Mul fused, the Add and activation stay).
    let stats = fast.optimize_stats();
    assert_eq!(stats.fused_layers, 1, "{stats:?}");
    let plain_graph = fast.graph().clone();
    let plain = compile(model(plain_graph), false);
    let x = values(&[1, 5, 5, 2], 3);
    for fetch in ["out", "other_reader"] {
        assert_close(
            &run(&fast, vec![("x", x.clone())], fetch),
            &run(&plain, vec![("x", x.clone())], fetch),
        );
    }
}

#[test]
fn dense_layers_fuse_and_match() {
    for (transpose_b, bias_op, act) in [
        (false, "BiasAdd", "Relu"),
        (true, "AddV2", "Relu6"),
        (false, "Add", "LeakyRelu"),
    ] {
        let mut g = Graph::new();
        let x = placeholder(&mut g, "x", &[5, 7]);
        let w_dims: &[usize] = if transpose_b { &[3, 7] } else { &[7, 3] };
        let w = constant(&mut g, "w", values(w_dims, 1));
        let mm = op(&mut g, "mm", "MatMul", &[x, w]);
        g.node_mut(mm)
            .unwrap()
            .attrs
            .insert("transpose_b".into(), Attr::Bool(transpose_b));
        let b = constant(&mut g, "b", values(&[3], 2));
        let add = op(&mut g, "add", bias_op, &[mm, b]);
        let relu = op(&mut g, "act", act, &[add]);
        if act == "LeakyRelu" {
            g.node_mut(relu)
                .unwrap()
                .attrs
                .insert("alpha".into(), Attr::Float(0.3));
        }
        let plain = compile(model(g.clone()), false);
        let fast = compile(model(g), true);
        assert_eq!(fast.optimize_stats().fused_layers, 1, "{bias_op} {act}");
        let x = values(&[5, 7], 3);
        assert_close(
            &run(&fast, vec![("x", x.clone())], "act"),
            &run(&plain, vec![("x", x)], "act"),
        );
    }
    // A product of two fed values is left alone (its width is unknown).
    let mut g = Graph::new();
    let x = placeholder(&mut g, "x", &[2, 2]);
    let y = placeholder(&mut g, "y", &[2, 2]);
    let mm = op(&mut g, "mm", "MatMul", &[x, y]);
    let _ = op(&mut g, "act", "Relu", &[mm]);
    assert_eq!(compile(model(g), true).optimize_stats().fused_layers, 0);
}

#[test]
fn zero_pads_fold_into_valid_convolutions() {
    for conv_op in ["Conv2D", "DepthwiseConv2dNative"] {
        let mut g = Graph::new();
        let x = placeholder(&mut g, "x", &[1, 9, 8, 4]);
        let paddings = constant(
            &mut g,
            "paddings",
            Tensor::from_vec(
                Shape::new(vec![4, 2]).unwrap(),
                vec![0i32, 0, 0, 1, 2, 1, 0, 0],
                None,
            )
            .unwrap(),
        );
        let mut pad = Node::new("pad", "Pad");
        pad.inputs = vec![ValueRef::new(x, 0), ValueRef::new(paddings, 0)];
        pad.attrs
            .insert("T".into(), Attr::Type(TypeAttr::Data(DType::F32)));
        pad.attrs
            .insert("Tpaddings".into(), Attr::Type(TypeAttr::Data(DType::I32)));
        let pad = g.add(pad).unwrap();
        let w = constant(&mut g, "w", values(&[3, 3, 4, 2], 1));
        let _ = windowed(&mut g, "conv", conv_op, &[pad, w], (2, "VALID"));
        let plain = compile(model(g.clone()), false);
        let fast = compile(model(g), true);
        assert_eq!(fast.optimize_stats().folded_pads, 1, "{conv_op}");
        let x = values(&[1, 9, 8, 4], 2);
        assert_close(
            &run(&fast, vec![("x", x.clone())], "conv"),
            &run(&plain, vec![("x", x)], "conv"),
        );
    }
}

#[test]
fn folding_does_not_build_huge_constants() {
    let mut g = Graph::new();
    let dims = constant(
        &mut g,
        "dims",
        Tensor::from_vec(Shape::vector(2), vec![8192i32, 8192], None).unwrap(),
    );
    let one = constant(&mut g, "one", Tensor::scalar(1.0f32));
    let mut fill = Node::new("fill", "Fill");
    fill.inputs = vec![ValueRef::new(dims, 0), ValueRef::new(one, 0)];
    fill.attrs
        .insert("T".into(), Attr::Type(TypeAttr::Data(DType::F32)));
    fill.attrs
        .insert("index_type".into(), Attr::Type(TypeAttr::Data(DType::I32)));
    let fill = g.add(fill).unwrap();
    let mut shape = Node::new("shape", "Shape");
    shape.inputs = vec![ValueRef::new(fill, 0)];
    shape
        .attrs
        .insert("T".into(), Attr::Type(TypeAttr::Data(DType::F32)));
    shape
        .attrs
        .insert("out_type".into(), Attr::Type(TypeAttr::Data(DType::I32)));
    g.add(shape).unwrap();
    let exe = compile(model(g), true);
    // 256 MiB of ones is not folded.
    assert_eq!(exe.optimize_stats().folded_nodes, 0);
}

#[test]
fn calls_are_inlined_and_their_constants_fold() {
    // f(x, w) = Relu6(conv(x, w) * s + b) with w, s, b passed in as
    // arguments, as a TF2 SavedModel passes variables to its function.
    let mut body = Graph::new();
    let mut arg = |name: &str, index: i64| {
        let mut n = Node::new(name, "_Arg");
        n.attrs
            .insert("T".into(), Attr::Type(TypeAttr::Data(DType::F32)));
        n.attrs.insert("index".into(), Attr::Int(index));
        body.add(n).unwrap()
    };
    let ax = arg("x", 0);
    let aw = arg("w", 1);
    let as_ = arg("s", 2);
    let ab = arg("b", 3);
    let conv = windowed(&mut body, "conv", "Conv2D", &[ax, aw], (1, "SAME"));
    let mul = op(&mut body, "mul", "Mul", &[conv, as_]);
    let add = op(&mut body, "add", "AddV2", &[mul, ab]);
    let act = op(&mut body, "act", "Relu6", &[add]);
    let function = Function {
        name: "f".into(),
        body,
        args: vec![ax, aw, as_, ab],
        arg_names: vec!["x".into(), "w".into(), "s".into(), "b".into()],
        arg_types: vec![TypeAttr::Data(DType::F32); 4],
        results: vec![("y".into(), ValueRef::new(act, 0))],
        result_types: vec![TypeAttr::Data(DType::F32)],
        control_results: Vec::new(),
        attrs: Default::default(),
        is_stateful: false,
    };
    let mut g = Graph::new();
    let x = placeholder(&mut g, "x", &[1, 6, 6, 3]);
    let w = constant(&mut g, "w", values(&[3, 3, 3, 5], 1));
    let s = constant(&mut g, "s", values(&[5], 2));
    let b = constant(&mut g, "b", values(&[5], 3));
    let mut call = Node::new("call", "StatefulPartitionedCall");
    call.inputs = [x, w, s, b].iter().map(|&i| ValueRef::new(i, 0)).collect();
    call.attrs.insert(
        "f".into(),
        Attr::Func(FuncRef {
            name: "f".into(),
            attrs: Default::default(),
        }),
    );
    call.attrs.insert(
        "Tin".into(),
        Attr::TypeList(vec![TypeAttr::Data(DType::F32); 4]),
    );
    call.attrs.insert(
        "Tout".into(),
        Attr::TypeList(vec![TypeAttr::Data(DType::F32)]),
    );
    g.add(call).unwrap();
    let mut library = Library::new();
    library.insert("f".into(), function);
    let m = Model { graph: g, library };
    let plain = compile(m.clone(), false);
    let fast = compile(m, true);
    let stats = fast.optimize_stats();
    assert_eq!(stats.inlined_calls, 1, "{stats:?}");
    assert_eq!(stats.fused_layers, 1, "{stats:?}");
    let x = values(&[1, 6, 6, 3], 4);
    assert_close(
        &run(&fast, vec![("x", x.clone())], "call"),
        &run(&plain, vec![("x", x)], "call"),
    );
}

/// x → conv → FusedBatchNorm{,V2,V3} (inference) → activation.
fn fused_bn_chain(conv_op: &str, bn_op: &str) -> Graph {
    let mut g = Graph::new();
    let x = placeholder(&mut g, "x", &[1, 9, 9, 6]);
    let (filter, channels) = if conv_op == "Conv2D" {
        (vec![3, 3, 6, 10], 10)
    } else {
        (vec![3, 3, 6, 2], 12)
    };
    let w = constant(&mut g, "w", values(&filter, 1));
    let conv = windowed(&mut g, "conv", conv_op, &[x, w], (1, "SAME"));
    let gamma = constant(&mut g, "gamma", values(&[channels], 3));
    let beta = constant(&mut g, "beta", values(&[channels], 5));
    let mean = constant(&mut g, "mean", values(&[channels], 4));
    let var = {
        let v = values(&[channels], 2);
        let positive: Vec<f32> = v
            .as_slice::<f32>()
            .unwrap()
            .iter()
            .map(|x| x.abs() + 0.1)
            .collect();
        constant(
            &mut g,
            "var",
            Tensor::from_vec(Shape::vector(channels), positive, None).unwrap(),
        )
    };
    let bn = op(&mut g, "bn", bn_op, &[conv, gamma, beta, mean, var]);
    let node = g.node_mut(bn).unwrap();
    node.attrs.insert("is_training".into(), Attr::Bool(false));
    node.attrs.insert("epsilon".into(), Attr::Float(0.001));
    if bn_op != "FusedBatchNorm" {
        node.attrs
            .insert("U".into(), Attr::Type(TypeAttr::Data(DType::F32)));
    }
    let act = op(&mut g, "act", "Relu", &[bn]);
    let _out = op(&mut g, "out", "Identity", &[act]);
    g
}

#[test]
fn inference_fused_batch_norms_fold_into_the_convolution() {
    for conv in ["Conv2D", "DepthwiseConv2dNative"] {
        for bn in ["FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3"] {
            let g = fused_bn_chain(conv, bn);
            let plain = compile(model(g.clone()), false);
            let fast = compile(model(g), true);
            assert_eq!(fast.optimize_stats().fused_layers, 1, "{conv} {bn}");
            let x = values(&[1, 9, 9, 6], 9);
            let want = run(&plain, vec![("x", x.clone())], "out");
            let got = run(&fast, vec![("x", x.clone())], "out");
            assert_close(&got, &want);
            // The batch norm's other outputs are still there when fetched.
            let want = run(&plain, vec![("x", x.clone())], "bn:2");
            let got = run(&fast, vec![("x", x)], "bn:2");
            assert_close(&got, &want);
        }
    }
    // A batch norm whose mean output is read elsewhere stays as it is.
    let mut g = fused_bn_chain("Conv2D", "FusedBatchNormV3");
    let bn = g.resolve_tensor("bn").unwrap().node;
    let mut reader = Node::new("mean_out", "Identity");
    reader.inputs = vec![ValueRef::new(bn, 1)];
    reader
        .attrs
        .insert("T".into(), Attr::Type(TypeAttr::Data(DType::F32)));
    g.add(reader).unwrap();
    assert_eq!(compile(model(g), true).optimize_stats().fused_layers, 0);
}

/// `x · w` for `w` of `[k, n]` and `x` of any shape holding rows of k,
/// naively, as a tensor of `dims`.
fn naive_product(x: &Tensor, w: &Tensor, dims: &[usize]) -> Tensor {
    let (k, n) = (w.dims()[0], w.dims()[1]);
    let (x, w) = (x.as_slice::<f32>().unwrap(), w.as_slice::<f32>().unwrap());
    let m = x.len() / k;
    let mut out = vec![0f32; m * n];
    for i in 0..m {
        for kk in 0..k {
            let a = x[i * k + kk];
            for j in 0..n {
                out[i * n + j] = a.mul_add(w[kk * n + j], out[i * n + j]);
            }
        }
    }
    Tensor::from_vec(Shape::new(dims.to_vec()).unwrap(), out, None).unwrap()
}

#[test]
fn large_constant_weights_are_packed_at_load_and_match() {
    // MatMul, a pointwise and a 3×3 convolution whose weights are large
    // enough to pack (k·n ≥ 32 Ki), and one whose weights are fed.
    let (k, n) = (256, 160);
    let mut g = Graph::new();
    let x = placeholder(&mut g, "x", &[13, k]);
    let w = constant(&mut g, "w", values(&[k, n], 1));
    let _ = op(&mut g, "mm", "MatMul", &[x, w]);
    let image = placeholder(&mut g, "image", &[1, 5, 6, k]);
    let w1 = constant(&mut g, "w1", values(&[1, 1, k, n], 2));
    let _ = windowed(&mut g, "pointwise", "Conv2D", &[image, w1], (1, "VALID"));
    let w3 = constant(&mut g, "w3", values(&[3, 3, k, 48], 3));
    let _ = windowed(&mut g, "conv", "Conv2D", &[image, w3], (1, "SAME"));
    let fed = placeholder(&mut g, "fed", &[k, n]);
    let _ = op(&mut g, "mm_fed", "MatMul", &[x, fed]);
    for optimize in [true, false] {
        let exe = compile(model(g.clone()), optimize);
        if ward_ops::kernels::sgemm::available() {
            // Three copies, each padded to whole 32-column panels.
            let want = 4 * k * (160 + 160 + 9 * 64);
            assert_eq!(exe.prepared_bytes(), want, "optimize {optimize}");
        } else {
            assert_eq!(exe.prepared_bytes(), 0);
        }
        let xs = values(&[13, k], 4);
        let want = naive_product(&xs, &values(&[k, n], 1), &[13, n]);
        assert_close(&run(&exe, vec![("x", xs.clone())], "mm"), &want);
        // Weights that are not the constant are read as given.
        let other = values(&[k, n], 9);
        let feeds = vec![("x", xs.clone()), ("fed", other.clone())];
        let want = naive_product(&xs, &other, &[13, n]);
        assert_close(&run(&exe, feeds, "mm_fed"), &want);
        // The pointwise convolution is the product over all 30 pixels.
        let pixels = values(&[1, 5, 6, k], 5);
        let want = naive_product(&pixels, &values(&[k, n], 2), &[1, 5, 6, n]);
        assert_close(
            &run(&exe, vec![("image", pixels.clone())], "pointwise"),
            &want,
        );
        let want = naive_conv(&pixels, &values(&[3, 3, k, 48], 3), 1, 1, true);
        assert_close(&run(&exe, vec![("image", pixels)], "conv"), &want);
    }
}

/// A naive NHWC convolution with TF's SAME or VALID padding.
fn naive_conv(x: &Tensor, w: &Tensor, stride: usize, dilation: usize, same: bool) -> Tensor {
    let (xd, wd_) = (x.dims(), w.dims());
    let (n, h, wd, c) = (xd[0], xd[1], xd[2], xd[3]);
    let (kh, kw, o) = (wd_[0], wd_[1], wd_[3]);
    let (xs, ws) = (x.as_slice::<f32>().unwrap(), w.as_slice::<f32>().unwrap());
    let reach = |k: usize| (k - 1) * dilation + 1;
    let (oh, ow) = if same {
        (h.div_ceil(stride), wd.div_ceil(stride))
    } else {
        ((h - reach(kh)) / stride + 1, (wd - reach(kw)) / stride + 1)
    };
    let pad = |out: usize, input: usize, k: usize| {
        if same {
            ((out - 1) * stride + reach(k)).saturating_sub(input) / 2
        } else {
            0
        }
    };
    let (pt, pl) = (pad(oh, h, kh), pad(ow, wd, kw));
    let mut out = vec![0f32; n * oh * ow * o];
    for b in 0..n {
        for y in 0..oh {
            for xx in 0..ow {
                for ky in 0..kh {
                    for kx in 0..kw {
                        let iy = (y * stride + ky * dilation) as isize - pt as isize;
                        let ix = (xx * stride + kx * dilation) as isize - pl as isize;
                        if iy < 0 || ix < 0 || iy >= h as isize || ix >= wd as isize {
                            continue;
                        }
                        for ci in 0..c {
                            let v = xs[((b * h + iy as usize) * wd + ix as usize) * c + ci];
                            for oc in 0..o {
                                out[((b * oh + y) * ow + xx) * o + oc] +=
                                    v * ws[((ky * kw + kx) * c + ci) * o + oc];
                            }
                        }
                    }
                }
            }
        }
    }
    Tensor::from_vec(Shape::new(vec![n, oh, ow, o]).unwrap(), out, None).unwrap()
}

/// A channels-last result plus a per-channel bias, clamped to `lo..=hi`:
/// what a fused bias and Relu/Relu6 give.
fn biased_and_clamped(plain: &Tensor, bias: &Tensor, (lo, hi): (f32, f32)) -> Tensor {
    let bias = bias.as_slice::<f32>().unwrap();
    let want: Vec<f32> = plain
        .as_slice::<f32>()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, v)| (v + bias[i % bias.len()]).clamp(lo, hi))
        .collect();
    Tensor::from_vec(plain.shape().clone(), want, None).unwrap()
}

#[test]
fn convolutions_over_few_channels_match_a_naive_convolution() {
    // (input, filter, stride, dilation, SAME): few input channels read in
    // place by the product, and a deeper one that is gathered.
    type Case<'a> = (&'a [usize], &'a [usize], usize, usize, bool);
    let cases: &[Case] = &[
        (&[2, 9, 11, 3], &[3, 3, 3, 8], 2, 1, true),
        (&[1, 12, 12, 3], &[3, 3, 3, 32], 2, 1, false),
        (&[1, 10, 9, 2], &[3, 3, 2, 5], 1, 2, false),
        (&[1, 7, 7, 1], &[2, 2, 1, 33], 1, 1, true),
        (&[1, 8, 8, 4], &[5, 5, 4, 3], 3, 1, true),
        (&[1, 6, 6, 16], &[3, 3, 16, 8], 1, 1, true),
    ];
    for &(input, filter, stride, dilation, same) in cases {
        let mut g = Graph::new();
        let x = placeholder(&mut g, "x", input);
        let w = constant(&mut g, "w", values(filter, 1));
        let padding = if same { "SAME" } else { "VALID" };
        let conv = windowed(&mut g, "conv", "Conv2D", &[x, w], (stride as i64, padding));
        let d = dilation as i64;
        g.node_mut(conv)
            .unwrap()
            .attrs
            .insert("dilations".into(), Attr::IntList(vec![1, d, d, 1]));
        let channels = filter[3];
        let b = constant(&mut g, "b", values(&[channels], 2));
        let add = op(&mut g, "add", "BiasAdd", &[conv, b]);
        let _ = op(&mut g, "act", "Relu", &[add]);
        let xs = values(input, 3);
        let plain = naive_conv(&xs, &values(filter, 1), stride, dilation, same);
        let want = biased_and_clamped(&plain, &values(&[channels], 2), (0.0, f32::INFINITY));
        for optimize in [true, false] {
            let exe = compile(model(g.clone()), optimize);
            let case =
                format!("{input:?} {filter:?} stride {stride} dilation {dilation} {padding}");
            assert_eq!(
                exe.optimize_stats().fused_layers,
                usize::from(optimize),
                "{case}"
            );
            let got = run(&exe, vec![("x", xs.clone())], "act");
            assert_close(&got, &want);
            assert_close(&run(&exe, vec![("x", xs.clone())], "conv"), &plain);
        }
    }
}

/// Depthwise convolutions (multiplier 1) against the naive convolution
/// of the same filter on the diagonal: 3×3 filters on the one-pixel AVX-512
/// path, their edge pixels and image-edge rows with fewer taps, channel
/// tails, and other filter sizes on the tiled one.
#[test]
fn depthwise_convolutions_match_a_naive_convolution() {
    // (input, filter size, stride, SAME)
    let cases: &[(&[usize], usize, usize, bool)] = &[
        (&[1, 9, 11, 32], 3, 1, true),
        (&[2, 8, 8, 40], 3, 2, true),
        (&[1, 10, 10, 96], 3, 2, true),
        (&[1, 7, 10, 17], 3, 1, false),
        (&[1, 9, 9, 16], 5, 2, true),
        (&[1, 6, 5, 3], 2, 1, true),
    ];
    for &(input, k, stride, same) in cases {
        let c = input[3];
        let filter = values(&[k, k, c, 1], 1);
        let taps = filter.as_slice::<f32>().unwrap();
        let diagonal: Vec<f32> = (0..k * k * c * c)
            .map(|i| {
                let (tap, ci, co) = (i / (c * c), i / c % c, i % c);
                if ci == co { taps[tap * c + ci] } else { 0.0 }
            })
            .collect();
        let diagonal = Tensor::from_vec(Shape::new(vec![k, k, c, c]).unwrap(), diagonal, None);
        let xs = values(input, 3);
        let plain = naive_conv(&xs, &diagonal.unwrap(), stride, 1, same);
        let bias = values(&[c], 2);
        let want = biased_and_clamped(&plain, &bias, (0.0, 6.0));

        let mut g = Graph::new();
        let x = placeholder(&mut g, "x", input);
        let w = constant(&mut g, "w", filter.clone());
        let padding = if same { "SAME" } else { "VALID" };
        let conv = windowed(
            &mut g,
            "conv",
            "DepthwiseConv2dNative",
            &[x, w],
            (stride as i64, padding),
        );
        let bias = constant(&mut g, "b", bias.clone());
        let add = op(&mut g, "add", "BiasAdd", &[conv, bias]);
        let _ = op(&mut g, "act", "Relu6", &[add]);
        for optimize in [true, false] {
            let exe = compile(model(g.clone()), optimize);
            let case = format!("{input:?} {k}x{k} stride {stride} {padding}");
            assert_eq!(
                exe.optimize_stats().fused_layers,
                usize::from(optimize),
                "{case}"
            );
            assert_close(&run(&exe, vec![("x", xs.clone())], "act"), &want);
            assert_close(&run(&exe, vec![("x", xs.clone())], "conv"), &plain);
        }
    }
}

#[test]
fn a_bias_before_the_batch_norm_folds_with_it() {
    // conv → BiasAdd → (Mul → AddV2 | FusedBatchNormV3 | AddV2) → Relu6:
    // Keras' Conv2D with its bias, then BatchNormalization.
    for conv_op in ["Conv2D", "DepthwiseConv2dNative"] {
        for after in ["Mul", "FusedBatchNormV3", "AddV2"] {
            let mut g = Graph::new();
            let x = placeholder(&mut g, "x", &[1, 7, 7, 4]);
            let (filter, channels): (&[usize], usize) = if conv_op == "Conv2D" {
                (&[3, 3, 4, 6], 6)
            } else {
                (&[3, 3, 4, 2], 8)
            };
            let w = constant(&mut g, "w", values(filter, 1));
            let conv = windowed(&mut g, "conv", conv_op, &[x, w], (1, "SAME"));
            let b = constant(&mut g, "b", values(&[channels], 2));
            let biased = op(&mut g, "biased", "BiasAdd", &[conv, b]);
            let normed = match after {
                "Mul" => {
                    let s = constant(&mut g, "s", values(&[channels], 3));
                    let mul = op(&mut g, "mul", "Mul", &[biased, s]);
                    let t = constant(&mut g, "t", values(&[channels], 4));
                    op(&mut g, "shift", "AddV2", &[mul, t])
                }
                "AddV2" => {
                    let t = constant(&mut g, "t", values(&[channels], 4));
                    op(&mut g, "shift", "AddV2", &[biased, t])
                }
                _ => {
                    let gamma = constant(&mut g, "gamma", values(&[channels], 3));
                    let beta = constant(&mut g, "beta", values(&[channels], 5));
                    let mean = constant(&mut g, "mean", values(&[channels], 4));
                    let var = values(&[channels], 6);
                    let var: Vec<f32> = var
                        .as_slice::<f32>()
                        .unwrap()
                        .iter()
                        .map(|v| v.abs() + 0.1)
                        .collect();
                    let var = Tensor::from_vec(Shape::vector(channels), var, None).unwrap();
                    let var = constant(&mut g, "var", var);
                    let bn = op(&mut g, "bn", after, &[biased, gamma, beta, mean, var]);
                    let node = g.node_mut(bn).unwrap();
                    node.attrs.insert("is_training".into(), Attr::Bool(false));
                    node.attrs.insert("epsilon".into(), Attr::Float(0.001));
                    node.attrs
                        .insert("U".into(), Attr::Type(TypeAttr::Data(DType::F32)));
                    bn
                }
            };
            let _ = op(&mut g, "act", "Relu6", &[normed]);
            let plain = compile(model(g.clone()), false);
            let fast = compile(model(g.clone()), true);
            assert_eq!(fast.optimize_stats().fused_layers, 1, "{conv_op} {after}");
            let xs = values(&[1, 7, 7, 4], 9);
            let want = run(&plain, vec![("x", xs.clone())], "act");
            assert_close(&run(&fast, vec![("x", xs.clone())], "act"), &want);
            // The whole chain is one op, reading the input.
            let graph = fast.optimized_graph().unwrap();
            let act = graph
                .node(graph.resolve_tensor("act").unwrap().node)
                .unwrap();
            assert!(
                act.op.starts_with("_Fused"),
                "{conv_op} {after}: {}",
                act.op
            );
            assert_eq!(act.inputs[0].node, x, "{conv_op} {after}");
        }
    }
}

/// A TF2 function's last `NoOp` waits on every variable read; once frozen
/// the reads are constants, and the edge would make each run compute them.
#[test]
fn control_edges_from_plain_constants_are_dropped() {
    let mut g = Graph::new();
    let x = placeholder(&mut g, "x", &[2]);
    let read = constant(&mut g, "read", values(&[3], 1));
    let guarded = constant(&mut g, "guarded", values(&[3], 2));
    g.node_mut(guarded).unwrap().control_inputs = vec![x];
    let mut done = Node::new("done", "NoOp");
    done.control_inputs = vec![read, guarded];
    let done = g.add(done).unwrap();
    let y = op(&mut g, "y", "Identity", &[x]);
    g.node_mut(y).unwrap().control_inputs = vec![done];

    let plain = compile(model(g.clone()), false);
    let fast = compile(model(g), true);
    assert_eq!(fast.optimize_stats().constant_control_edges, 1);
    let graph = fast.optimized_graph().unwrap();
    // A constant that waits on something else keeps its edge: it carries
    // that node's deadness.
    assert_eq!(graph.node(done).unwrap().control_inputs, vec![guarded]);
    let xs = values(&[2], 3);
    // Waiting on a fed placeholder waits on the feed (TF redirects the
    // edge): the placeholder does not run and fail for want of a value.
    assert_close(&run(&plain, vec![("x", xs.clone())], "y"), &xs);
    assert_close(&run(&fast, vec![("x", xs.clone())], "y"), &xs);
    // The constant itself stays fetchable.
    assert_close(&run(&fast, Vec::new(), "read"), &values(&[3], 1));
}

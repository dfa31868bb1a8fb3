//! End-to-end runs of graphs built in code: results, memory refused before
//! allocation, deadlines, determinism.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::unreachable
)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::Duration;
use ward_exec::{ExecOptions, Executable, RunRequest};
use ward_graph::{Attr, Graph, Model, Node, NodeId, PartialShape, TypeAttr, ValueRef};
use ward_ops::registry;
use ward_tensor::{Budget, Code, DType, Limits, Shape, Tensor};

fn constant(graph: &mut Graph, name: &str, t: Tensor) -> NodeId {
    let mut node = Node::new(name, "Const");
    node.attrs
        .insert("dtype".into(), Attr::Type(TypeAttr::Data(t.dtype())));
    node.attrs.insert("value".into(), Attr::Tensor(t));
    graph.add(node).unwrap()
}

fn op(graph: &mut Graph, name: &str, op: &str, inputs: &[NodeId], dtype: DType) -> NodeId {
    let mut node = Node::new(name, op);
    node.inputs = inputs.iter().map(|&i| ValueRef::new(i, 0)).collect();
    node.attrs
        .insert("T".into(), Attr::Type(TypeAttr::Data(dtype)));
    graph.add(node).unwrap()
}

fn placeholder(graph: &mut Graph, name: &str, dtype: DType, dims: &[usize]) -> NodeId {
    let mut node = Node::new(name, "Placeholder");
    node.attrs
        .insert("dtype".into(), Attr::Type(TypeAttr::Data(dtype)));
    node.attrs
        .insert("shape".into(), Attr::Shape(PartialShape::known(dims)));
    graph.add(node).unwrap()
}

fn f32_tensor(dims: &[usize], values: Vec<f32>) -> Tensor {
    Tensor::from_vec(Shape::new(dims.to_vec()).unwrap(), values, None).unwrap()
}

fn compile(graph: Graph, threads: usize) -> Executable {
    let model = Model {
        graph,
        library: Default::default(),
    };
    Executable::new(
        model,
        registry(),
        &ExecOptions {
            threads,
            ..Default::default()
        },
    )
    .unwrap()
}

#[test]
fn dense_layer_runs_end_to_end() {
    let mut g = Graph::new();
    let x = placeholder(&mut g, "x", DType::F32, &[2, 3]);
    let w = constant(
        &mut g,
        "w",
        f32_tensor(&[3, 2], vec![1.0, -1.0, 2.0, 0.5, -3.0, 1.0]),
    );
    let b = constant(&mut g, "b", f32_tensor(&[2], vec![0.5, -10.0]));
    let mm = op(&mut g, "mm", "MatMul", &[x, w], DType::F32);
    let add = op(&mut g, "add", "AddV2", &[mm, b], DType::F32);
    let relu = op(&mut g, "relu", "Relu", &[add], DType::F32);
    let exe = compile(g, 2);
    let input = f32_tensor(&[2, 3], vec![1.0, 2.0, 3.0, -1.0, 0.0, 1.0]);
    let budget = Budget::unlimited();
    let out = exe
        .run(
            &budget,
            RunRequest {
                feeds: vec![(ValueRef::new(x, 0), input)],
                fetches: vec![ValueRef::new(relu, 0)],
                targets: vec![],
            },
        )
        .unwrap();
    // x·w = [[1+4-9, -1+1+3], [-1-3, 1+1]] = [[-4, 3], [-4, 2]]; + b; relu.
    assert_eq!(out[0].dims(), &[2, 2]);
    assert_eq!(out[0].as_slice::<f32>().unwrap(), &[0.0, 0.0, 0.0, 0.0]);
    drop(out);
    let out = exe
        .run(
            &budget,
            RunRequest {
                feeds: vec![(
                    ValueRef::new(x, 0),
                    f32_tensor(&[2, 3], vec![10.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
                )],
                fetches: vec![ValueRef::new(relu, 0), ValueRef::new(mm, 0)],
                targets: vec![],
            },
        )
        .unwrap();
    assert_eq!(out[0].as_slice::<f32>().unwrap(), &[10.5, 0.0, 0.5, 0.0]);
    assert_eq!(out[1].as_slice::<f32>().unwrap(), &[10.0, -10.0, 0.0, 0.0]);
    assert!(budget.used() > 0, "fetched outputs are still charged");
    drop(out);
    assert_eq!(budget.used(), 0, "all intermediates returned to the budget");
}

#[test]
fn oversized_intermediate_is_refused_before_allocating() {
    // [100000,1]·[1,100000] would need 40 GB.
    let mut g = Graph::new();
    let a = constant(&mut g, "a", f32_tensor(&[100_000, 1], vec![1.0; 100_000]));
    let b = constant(&mut g, "b", f32_tensor(&[1, 100_000], vec![1.0; 100_000]));
    let mm = op(&mut g, "mm", "MatMul", &[a, b], DType::F32);
    let exe = compile(g, 1);
    let limit = 64 << 20;
    let budget = Budget::new(&Limits {
        memory_bytes: limit,
        ..Limits::default()
    });
    let err = exe
        .run(
            &budget,
            RunRequest {
                fetches: vec![ValueRef::new(mm, 0)],
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted, "{err}");
    assert!(
        budget.peak() < limit,
        "peak {} must stay under the limit",
        budget.peak()
    );
    assert_eq!(budget.peak(), 0, "nothing was allocated");
}

#[test]
fn a_repeated_request_is_still_checked_against_each_runs_budget() {
    // The second run reuses the first one's plan and estimate, and must
    // still be refused before allocating when its budget is smaller.
    let mut g = Graph::new();
    let x = placeholder(&mut g, "x", DType::F32, &[1000, 1]);
    let b = constant(&mut g, "b", f32_tensor(&[1, 1000], vec![1.0; 1000]));
    let mm = op(&mut g, "mm", "MatMul", &[x, b], DType::F32);
    let exe = compile(g, 1);
    let request = || RunRequest {
        feeds: vec![(ValueRef::new(x, 0), f32_tensor(&[1000, 1], vec![2.0; 1000]))],
        fetches: vec![ValueRef::new(mm, 0)],
        ..Default::default()
    };
    let roomy = Budget::unlimited();
    let out = exe.run(&roomy, request()).unwrap();
    assert_eq!(out[0].dims(), &[1000, 1000]);
    let tight = Budget::new(&Limits {
        memory_bytes: 1 << 20,
        ..Limits::default()
    });
    let err = exe.run(&tight, request()).unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted, "{err}");
    assert!(err.to_string().contains("mm"), "{err}");
    assert_eq!(tight.peak(), 0, "nothing was allocated");
    // And the roomy budget still runs it.
    assert!(exe.run(&Budget::unlimited(), request()).is_ok());
}

#[test]
fn oversized_intermediate_from_a_fed_shape_is_refused_and_named() {
    // The placeholder's shape is unknown in the graph; the fed value's shape
    // lets the planner see the problem before running.
    let mut g = Graph::new();
    let mut x = Node::new("x", "Placeholder");
    x.attrs
        .insert("dtype".into(), Attr::Type(TypeAttr::Data(DType::F32)));
    let x = g.add(x).unwrap();
    let b = constant(&mut g, "b", f32_tensor(&[1, 50_000], vec![1.0; 50_000]));
    let mm = op(&mut g, "mm", "MatMul", &[x, b], DType::F32);
    let exe = compile(g, 1);
    let limit = 16 << 20;
    let budget = Budget::new(&Limits {
        memory_bytes: limit,
        ..Limits::default()
    });
    let input = f32_tensor(&[50_000, 1], vec![1.0; 50_000]);
    let err = exe
        .run(
            &budget,
            RunRequest {
                feeds: vec![(ValueRef::new(x, 0), input)],
                fetches: vec![ValueRef::new(mm, 0)],
                targets: vec![],
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted);
    assert!(
        err.to_string().contains("'mm'"),
        "error names the node: {err}"
    );
    assert!(budget.peak() <= limit);
}

#[test]
fn deadline_stops_a_long_graph() {
    let mut g = Graph::new();
    let mut last = constant(&mut g, "c", f32_tensor(&[10_000], vec![1.0; 10_000]));
    let one = constant(&mut g, "one", f32_tensor(&[], vec![1.0]));
    for i in 0..20_000 {
        last = op(
            &mut g,
            &format!("add{i}"),
            "AddV2",
            &[last, one],
            DType::F32,
        );
    }
    let exe = compile(g, 1);
    let budget = Budget::new(&Limits {
        timeout: Some(Duration::from_millis(1)),
        ..Limits::default()
    });
    let start = std::time::Instant::now();
    let err = exe
        .run(
            &budget,
            RunRequest {
                fetches: vec![ValueRef::new(last, 0)],
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), Code::DeadlineExceeded, "{err}");
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[test]
fn results_are_deterministic_across_runs_and_thread_counts() {
    let n = 96;
    let values: Vec<f32> = (0..n * n)
        .map(|i| ((i * 7919) % 1000) as f32 / 997.0 - 0.5)
        .collect();
    let mut outs = Vec::new();
    for threads in [1, 2, 2] {
        let mut g = Graph::new();
        let a = constant(&mut g, "a", f32_tensor(&[n, n], values.clone()));
        let mm = op(&mut g, "mm", "MatMul", &[a, a], DType::F32);
        let exe = compile(g, threads);
        let out = exe
            .run(
                &Budget::unlimited(),
                RunRequest {
                    fetches: vec![ValueRef::new(mm, 0)],
                    ..Default::default()
                },
            )
            .unwrap();
        outs.push(out[0].to_le_bytes().unwrap());
    }
    assert_eq!(outs[1], outs[2], "same thread count, same bits");
    // Across thread counts results must agree closely (GEMM blocking may differ).
    let a: Vec<f32> = outs[0]
        .chunks(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    let b: Vec<f32> = outs[1]
        .chunks(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() <= 1e-5 * x.abs().max(1.0));
    }
}

#[test]
fn invalid_graphs_are_rejected_before_running() {
    // Unknown op.
    let mut g = Graph::new();
    let c = constant(&mut g, "c", f32_tensor(&[1], vec![1.0]));
    op(&mut g, "bad", "NoSuchOp", &[c], DType::F32);
    let err = Executable::new(
        Model {
            graph: g,
            library: Default::default(),
        },
        registry(),
        &ExecOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), Code::Unimplemented);
    // Wrong arity.
    let mut g = Graph::new();
    let c = constant(&mut g, "c", f32_tensor(&[1], vec![1.0]));
    op(&mut g, "add", "AddV2", &[c], DType::F32);
    let err = Executable::new(
        Model {
            graph: g,
            library: Default::default(),
        },
        registry(),
        &ExecOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.to_string().contains("'add'"), "{err}");
    // Disallowed type attribute.
    let mut g = Graph::new();
    let c = constant(&mut g, "c", Tensor::scalar(true));
    op(&mut g, "add", "AddV2", &[c, c], DType::Bool);
    let err = Executable::new(
        Model {
            graph: g,
            library: Default::default(),
        },
        registry(),
        &ExecOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    // A cycle.
    let mut g = Graph::new();
    let mut a = Node::new("a", "Identity");
    a.inputs = vec![ValueRef::new(1, 0)];
    a.attrs
        .insert("T".into(), Attr::Type(TypeAttr::Data(DType::F32)));
    let mut b = Node::new("b", "Identity");
    b.inputs = vec![ValueRef::new(0, 0)];
    b.attrs
        .insert("T".into(), Attr::Type(TypeAttr::Data(DType::F32)));
    g.add(a).unwrap();
    g.add(b).unwrap();
    let err = Executable::new(
        Model {
            graph: g,
            library: Default::default(),
        },
        registry(),
        &ExecOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.to_string().contains("cycle"), "{err}");
    // Reference to an output that does not exist.
    let mut g = Graph::new();
    let c = constant(&mut g, "c", f32_tensor(&[1], vec![1.0]));
    let mut id = Node::new("id", "Identity");
    id.inputs = vec![ValueRef::new(c, 3)];
    id.attrs
        .insert("T".into(), Attr::Type(TypeAttr::Data(DType::F32)));
    g.add(id).unwrap();
    let err = Executable::new(
        Model {
            graph: g,
            library: Default::default(),
        },
        registry(),
        &ExecOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
}

#[test]
fn shape_mismatch_is_caught_by_inference() {
    let mut g = Graph::new();
    let a = constant(&mut g, "a", f32_tensor(&[2, 3], vec![0.0; 6]));
    let b = constant(&mut g, "b", f32_tensor(&[2, 3], vec![0.0; 6]));
    let mm = op(&mut g, "mm", "MatMul", &[a, b], DType::F32);
    let exe = compile(g, 1);
    let err = exe
        .run(
            &Budget::unlimited(),
            RunRequest {
                fetches: vec![ValueRef::new(mm, 0)],
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.to_string().contains("inner dimension"), "{err}");
}

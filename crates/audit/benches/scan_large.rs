//! Benchmark: scanning a generated 100,000-node model with 1,000 functions
//! (target: under one second). Run with `cargo bench -p ward-audit`.
#![allow(
    clippy::unwrap_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing
)]

use std::time::Instant;
use ward_audit::{EntryPoint, InputSource, Policy, ScanLimits, ScanTarget, scan};
use ward_graph::{Attr, Attrs, FuncRef, Function, Graph, Library, Model, Node, TypeAttr, ValueRef};
use ward_tensor::DType;

const FUNCTIONS: usize = 1_000;
const NODES_PER_FUNCTION: usize = 90;
const TOP_NODES: usize = 10_000;

fn f32_attr() -> Attr {
    Attr::Type(TypeAttr::Data(DType::F32))
}

fn function(i: usize) -> Function {
    let mut body = Graph::new();
    let mut arg = Node::new("x", "_Arg");
    arg.attrs.insert("T".into(), f32_attr());
    arg.attrs.insert("index".into(), Attr::Int(0));
    let mut last = body.add(arg).unwrap();
    for n in 0..NODES_PER_FUNCTION {
        let mut node = Node::new(
            format!("n{n}"),
            if n.is_multiple_of(3) { "Mul" } else { "AddV2" },
        );
        node.inputs = vec![ValueRef::new(last, 0), ValueRef::new(0, 0)];
        node.attrs.insert("T".into(), f32_attr());
        last = body.add(node).unwrap();
    }
    // Every tenth function sizes a Tile by its argument: a finding per call site.
    if i.is_multiple_of(10) {
        let mut tile = Node::new("tile", "Tile");
        tile.inputs = vec![ValueRef::new(last, 0), ValueRef::new(0, 0)];
        last = body.add(tile).unwrap();
    }
    Function {
        name: format!("f{i}"),
        body,
        args: vec![0],
        arg_names: vec!["x".into()],
        arg_types: vec![TypeAttr::Data(DType::F32)],
        results: vec![("y".into(), ValueRef::new(last, 0))],
        result_types: vec![TypeAttr::Data(DType::F32)],
        control_results: vec![],
        attrs: Attrs::new(),
        is_stateful: false,
    }
}

fn model() -> (Model, Vec<usize>, ValueRef) {
    let mut library = Library::new();
    for i in 0..FUNCTIONS {
        library.insert(format!("f{i}"), function(i));
    }
    let mut graph = Graph::new();
    let mut x = Node::new("x", "Placeholder");
    x.attrs.insert("dtype".into(), f32_attr());
    let mut last = graph.add(x).unwrap();
    let input = ValueRef::new(last, 0);
    let mut roots = Vec::new();
    for n in 0..TOP_NODES - 1 {
        let mut node = if n.is_multiple_of(10) {
            let mut call = Node::new(format!("call{n}"), "PartitionedCall");
            call.attrs.insert(
                "f".into(),
                Attr::Func(FuncRef {
                    name: format!("f{}", (n / 10) % FUNCTIONS),
                    attrs: Attrs::new(),
                }),
            );
            call.attrs.insert(
                "Tin".into(),
                Attr::TypeList(vec![TypeAttr::Data(DType::F32)]),
            );
            call.attrs.insert(
                "Tout".into(),
                Attr::TypeList(vec![TypeAttr::Data(DType::F32)]),
            );
            call.inputs = vec![ValueRef::new(last, 0)];
            call
        } else {
            let mut node = Node::new(format!("t{n}"), "Relu");
            node.inputs = vec![ValueRef::new(last, 0)];
            node
        };
        node.attrs.insert("T".into(), f32_attr());
        last = graph.add(node).unwrap();
    }
    roots.push(last);
    (Model { graph, library }, roots, input)
}

fn main() {
    let (model, roots, input) = model();
    let nodes = model.graph.len() + model.library.values().map(|f| f.body.len()).sum::<usize>();
    let target = ScanTarget {
        label: "generated".into(),
        model,
        entries: vec![EntryPoint {
            label: "signature 'serving_default'".into(),
            roots,
            load_time: false,
        }],
        inputs: vec![InputSource {
            value: input,
            label: "input 'x'".into(),
        }],
    };
    let policy = Policy::default();
    let limits = ScanLimits::default();
    let mut times = Vec::new();
    let mut findings = 0;
    for _ in 0..7 {
        let start = Instant::now();
        let report = scan(&target, &policy, &limits).unwrap();
        times.push(start.elapsed().as_secs_f64());
        findings = report.findings.len();
    }
    times.sort_by(f64::total_cmp);
    println!(
        "scan of {nodes} nodes in {FUNCTIONS} functions: median {:.3} s, min {:.3} s, max {:.3} s ({findings} findings)",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1]
    );
}

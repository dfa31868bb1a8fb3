//! Functional control flow built in code: While loops obey the run's loop
//! cap and deadline; If/Case pick branches; calls run library functions.
#![allow(clippy::arithmetic_side_effects, clippy::unreachable)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::Duration;
use ward_exec::{ExecOptions, Executable, RunRequest};
use ward_graph::{
    Attr, Attrs, FuncRef, Function, Graph, Library, Model, Node, NodeId, TypeAttr, ValueRef,
};
use ward_ops::registry;
use ward_tensor::{Budget, Code, DType, Limits, Tensor};

fn i32_type() -> Attr {
    Attr::Type(TypeAttr::Data(DType::I32))
}

fn constant(graph: &mut Graph, name: &str, t: Tensor) -> NodeId {
    let mut node = Node::new(name, "Const");
    node.attrs
        .insert("dtype".into(), Attr::Type(TypeAttr::Data(t.dtype())));
    node.attrs.insert("value".into(), Attr::Tensor(t));
    graph.add(node).unwrap()
}

fn arg(graph: &mut Graph, name: &str) -> NodeId {
    let mut node = Node::new(name, "_Arg");
    node.attrs.insert("T".into(), i32_type());
    node.attrs.insert("index".into(), Attr::Int(0));
    graph.add(node).unwrap()
}

fn binary(graph: &mut Graph, name: &str, op: &str, a: NodeId, b: NodeId) -> NodeId {
    let mut node = Node::new(name, op);
    node.inputs = vec![ValueRef::new(a, 0), ValueRef::new(b, 0)];
    node.attrs.insert("T".into(), i32_type());
    graph.add(node).unwrap()
}

fn function(name: &str, body: Graph, result: NodeId) -> Function {
    Function {
        name: name.into(),
        body,
        args: vec![0],
        arg_names: vec!["i".into()],
        arg_types: vec![TypeAttr::Data(DType::I32)],
        results: vec![("out".into(), ValueRef::new(result, 0))],
        result_types: vec![TypeAttr::Data(DType::I32)],
        control_results: vec![],
        attrs: Attrs::new(),
        is_stateful: false,
    }
}

/// `while i < limit: i = i + 1`, or forever when `limit` is None.
fn counting_loop(limit: Option<i32>) -> (Model, NodeId) {
    let mut library = Library::new();
    let mut cond = Graph::new();
    let i = arg(&mut cond, "i");
    let result = match limit {
        Some(n) => {
            let n = constant(&mut cond, "n", Tensor::scalar(n));
            binary(&mut cond, "less", "Less", i, n)
        }
        None => constant(&mut cond, "yes", Tensor::scalar(true)),
    };
    library.insert("cond".into(), function("cond", cond, result));
    let mut body = Graph::new();
    let i = arg(&mut body, "i");
    let one = constant(&mut body, "one", Tensor::scalar(1i32));
    let next = binary(&mut body, "next", "AddV2", i, one);
    library.insert("body".into(), function("body", body, next));

    let mut graph = Graph::new();
    let start = constant(&mut graph, "start", Tensor::scalar(0i32));
    let mut node = Node::new("loop", "While");
    node.inputs = vec![ValueRef::new(start, 0)];
    node.attrs
        .insert("T".into(), Attr::TypeList(vec![TypeAttr::Data(DType::I32)]));
    node.attrs.insert(
        "cond".into(),
        Attr::Func(FuncRef {
            name: "cond".into(),
            attrs: Attrs::new(),
        }),
    );
    node.attrs.insert(
        "body".into(),
        Attr::Func(FuncRef {
            name: "body".into(),
            attrs: Attrs::new(),
        }),
    );
    let id = graph.add(node).unwrap();
    (Model { graph, library }, id)
}

fn run(model: Model, out: NodeId, limits: &Limits) -> Result<Vec<Tensor>, ward_tensor::Error> {
    let exe = Executable::new(
        model,
        registry(),
        &ExecOptions {
            threads: 1,
            ..Default::default()
        },
    )?;
    exe.run(
        &Budget::new(limits),
        RunRequest {
            fetches: vec![ValueRef::new(out, 0)],
            ..Default::default()
        },
    )
}

#[test]
fn while_loop_runs_to_its_condition() {
    let (model, out) = counting_loop(Some(10));
    let result = run(model, out, &Limits::default()).unwrap();
    assert_eq!(result[0].as_slice::<i32>().unwrap(), &[10]);
}

#[test]
fn loop_cap_stops_an_infinite_loop() {
    let (model, out) = counting_loop(None);
    let limits = Limits {
        max_loop_iterations: 1000,
        ..Limits::default()
    };
    let err = run(model, out, &limits).unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted, "{err}");
    assert!(
        err.to_string().contains("loop iteration limit of 1000"),
        "{err}"
    );
    assert!(err.to_string().contains("'loop'"), "names the node: {err}");
}

#[test]
fn a_loop_within_the_cap_but_past_the_deadline_stops() {
    let (model, out) = counting_loop(None);
    let limits = Limits {
        max_loop_iterations: u64::MAX,
        timeout: Some(Duration::from_millis(50)),
        ..Limits::default()
    };
    let start = std::time::Instant::now();
    let err = run(model, out, &limits).unwrap_err();
    assert_eq!(err.code(), Code::DeadlineExceeded, "{err}");
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn the_loop_cap_is_shared_by_every_loop_of_a_run() {
    // The cap is shared by the whole run: two loops of 600 exceed 1000.
    let (mut model, first) = counting_loop(Some(600));
    let start = model.graph.find("start").unwrap();
    let mut second = Node::new("loop2", "While");
    second.inputs = vec![ValueRef::new(start, 0)];
    second.control_inputs = vec![first];
    second.attrs = model.graph.node(first).unwrap().attrs.clone();
    let second = model.graph.add(second).unwrap();
    let limits = Limits {
        max_loop_iterations: 1000,
        ..Limits::default()
    };
    let err = run(model, second, &limits).unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted);
}

#[test]
fn an_inlined_call_whose_body_loops_still_runs() {
    // main: PartitionedCall(outer), outer's body holds the While that calls
    // cond/body. Inlining outer leaves the While calling the library.
    let (inner, loop_id) = counting_loop(Some(10));
    let Model {
        graph: loop_graph,
        mut library,
    } = inner;
    let mut outer_body = loop_graph;
    let _unused_arg = arg(&mut outer_body, "unused");
    let mut outer = function("outer", outer_body, loop_id);
    outer.args = vec![outer.body.find("unused").unwrap()];
    library.insert("outer".into(), outer);
    let mut graph = Graph::new();
    let x = constant(&mut graph, "x", Tensor::scalar(0i32));
    let mut call = Node::new("call", "PartitionedCall");
    call.inputs = vec![ValueRef::new(x, 0)];
    call.attrs.insert(
        "Tin".into(),
        Attr::TypeList(vec![TypeAttr::Data(DType::I32)]),
    );
    call.attrs.insert(
        "Tout".into(),
        Attr::TypeList(vec![TypeAttr::Data(DType::I32)]),
    );
    call.attrs.insert(
        "f".into(),
        Attr::Func(FuncRef {
            name: "outer".into(),
            attrs: Attrs::new(),
        }),
    );
    let call = graph.add(call).unwrap();
    let model = Model { graph, library };
    let exe = Executable::new(model.clone(), registry(), &ExecOptions::default()).unwrap();
    assert_eq!(exe.optimize_stats().inlined_calls, 1);
    let out = run(model, call, &Limits::default()).unwrap();
    assert_eq!(out[0].as_slice::<i32>().unwrap(), &[10]);
}

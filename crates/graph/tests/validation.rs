//! Structural validation: recursion, deep call chains, dangling references,
//! cycles and size limits are clean errors, found without deep recursion.
#![allow(clippy::arithmetic_side_effects, clippy::unreachable)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use ward_graph::{
    Attr, Attrs, FuncRef, Function, Graph, GraphLimits, Library, Model, Node, ValueRef,
    validate_structure,
};
use ward_tensor::Code;

/// A function whose body calls `callee` (if any).
fn function(name: &str, callee: Option<&str>) -> Function {
    let mut body = Graph::new();
    if let Some(callee) = callee {
        let mut call = Node::new("call", "PartitionedCall");
        call.attrs.insert(
            "f".into(),
            Attr::Func(FuncRef {
                name: callee.into(),
                attrs: Attrs::new(),
            }),
        );
        body.add(call).unwrap();
    }
    Function {
        name: name.into(),
        body,
        args: vec![],
        arg_names: vec![],
        arg_types: vec![],
        results: vec![],
        result_types: vec![],
        control_results: vec![],
        attrs: Attrs::new(),
        is_stateful: false,
    }
}

#[test]
fn recursion_is_rejected() {
    let mut library = Library::new();
    library.insert("f".into(), function("f", Some("g")));
    library.insert("g".into(), function("g", Some("f")));
    let err = validate_structure(
        &Model {
            graph: Graph::new(),
            library,
        },
        &GraphLimits::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.to_string().contains("calls itself"), "{err}");

    let mut library = Library::new();
    library.insert("self".into(), function("self", Some("self")));
    assert!(
        validate_structure(
            &Model {
                graph: Graph::new(),
                library
            },
            &GraphLimits::default()
        )
        .is_err()
    );
}

#[test]
fn a_ten_thousand_deep_call_chain_is_rejected_without_stack_overflow() {
    let mut library = Library::new();
    for i in 0..10_000 {
        let callee = (i < 9_999).then(|| format!("f{}", i + 1));
        library.insert(
            format!("f{i}"),
            function(&format!("f{i}"), callee.as_deref()),
        );
    }
    let start = std::time::Instant::now();
    let err = validate_structure(
        &Model {
            graph: Graph::new(),
            library,
        },
        &GraphLimits::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted, "{err}");
    assert!(start.elapsed().as_secs() < 5);
}

#[test]
fn missing_functions_and_dangling_inputs_are_rejected() {
    let mut graph = Graph::new();
    let mut call = Node::new("call", "PartitionedCall");
    call.attrs.insert(
        "f".into(),
        Attr::Func(FuncRef {
            name: "nowhere".into(),
            attrs: Attrs::new(),
        }),
    );
    graph.add(call).unwrap();
    let err = validate_structure(
        &Model {
            graph,
            library: Library::new(),
        },
        &GraphLimits::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);

    let mut graph = Graph::new();
    let mut node = Node::new("x", "Identity");
    node.inputs = vec![ValueRef::new(7, 0)];
    graph.add(node).unwrap();
    let err = validate_structure(
        &Model {
            graph,
            library: Library::new(),
        },
        &GraphLimits::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
}

#[test]
fn self_loops_are_cycles_and_duplicate_names_are_rejected() {
    let mut graph = Graph::new();
    let mut node = Node::new("me", "Identity");
    node.inputs = vec![ValueRef::new(0, 0)];
    graph.add(node).unwrap();
    let err = validate_structure(
        &Model {
            graph,
            library: Library::new(),
        },
        &GraphLimits::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("cycle"), "{err}");

    let mut graph = Graph::new();
    graph.add(Node::new("a", "NoOp")).unwrap();
    assert_eq!(
        graph.add(Node::new("a", "NoOp")).unwrap_err().code(),
        Code::InvalidArgument
    );
}

#[test]
fn node_limits_are_enforced() {
    let mut graph = Graph::new();
    for i in 0..1000 {
        graph.add(Node::new(format!("n{i}"), "NoOp")).unwrap();
    }
    let limits = GraphLimits {
        max_total_nodes: 999,
        ..GraphLimits::default()
    };
    let err = validate_structure(
        &Model {
            graph,
            library: Library::new(),
        },
        &limits,
    )
    .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted);
}

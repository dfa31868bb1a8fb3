//! GraphDef import: hostile GraphDefs built with ward's own protos end in
//! clean errors, within bounded time and memory.
#![allow(clippy::arithmetic_side_effects, clippy::unreachable)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use prost::Message;
use std::collections::BTreeMap;
use ward_graph::{GraphLimits, validate_structure};
use ward_tensor::{Budget, Code, Limits};
use ward_tf::proto::{
    AttrValue, GraphDef, NodeDef, TensorProto, TensorShapeProto, attr_value, tensor_shape_proto,
};

fn node(name: &str, op: &str, inputs: &[&str], attrs: Vec<(&str, attr_value::Value)>) -> NodeDef {
    NodeDef {
        name: name.into(),
        op: op.into(),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        attr: attrs
            .into_iter()
            .map(|(k, v)| (k.to_string(), AttrValue { value: Some(v) }))
            .collect::<BTreeMap<_, _>>(),
        ..Default::default()
    }
}

fn shape(dims: &[i64]) -> TensorShapeProto {
    TensorShapeProto {
        dim: dims
            .iter()
            .map(|&size| tensor_shape_proto::Dim {
                size,
                name: String::new(),
            })
            .collect(),
        unknown_rank: false,
    }
}

fn float_const(name: &str, dims: &[i64], tensor: TensorProto) -> NodeDef {
    let tensor = TensorProto {
        dtype: 1,
        tensor_shape: Some(shape(dims)),
        ..tensor
    };
    node(
        name,
        "Const",
        &[],
        vec![
            ("dtype", attr_value::Value::Type(1)),
            ("value", attr_value::Value::Tensor(tensor)),
        ],
    )
}

fn import(nodes: Vec<NodeDef>, budget: &Budget) -> Result<ward_graph::Model, ward_tensor::Error> {
    let bytes = GraphDef {
        node: nodes,
        ..Default::default()
    }
    .encode_to_vec();
    let model = ward_tf::load_graph_def(&bytes, 1 << 30, budget)?;
    validate_structure(&model, &GraphLimits::default())?;
    Ok(model)
}

fn code(nodes: Vec<NodeDef>) -> Code {
    import(
        nodes,
        &Budget::new(&Limits {
            memory_bytes: 64 << 20,
            ..Limits::default()
        }),
    )
    .unwrap_err()
    .code()
}

#[test]
fn dangling_inputs_duplicates_and_cycles() {
    assert_eq!(
        code(vec![node("a", "Identity", &["missing"], vec![])]),
        Code::NotFound
    );
    assert_eq!(
        code(vec![
            node("a", "NoOp", &[], vec![]),
            node("a", "NoOp", &[], vec![])
        ]),
        Code::InvalidArgument
    );
    assert_eq!(
        code(vec![node("a", "Identity", &["a"], vec![])]),
        Code::InvalidArgument
    );
    assert_eq!(
        code(vec![
            node("a", "Identity", &["b"], vec![]),
            node("b", "Identity", &["a:0"], vec![])
        ]),
        Code::InvalidArgument
    );
    assert_eq!(
        code(vec![
            node("a", "NoOp", &[], vec![]),
            node("b", "Identity", &["a:x"], vec![])
        ]),
        Code::InvalidArgument
    );
    assert_eq!(
        code(vec![
            node("a", "NoOp", &[], vec![]),
            node("b", "Identity", &["^a", "a"], vec![])
        ]),
        Code::InvalidArgument
    );
    assert_eq!(
        code(vec![node("", "NoOp", &[], vec![])]),
        Code::InvalidArgument
    );
}

#[test]
fn constants_are_checked_before_allocation() {
    // tensor_content shorter than shape × dtype.
    let t = TensorProto {
        tensor_content: vec![0; 10],
        ..Default::default()
    };
    assert_eq!(code(vec![float_const("c", &[4], t)]), Code::InvalidArgument);
    // Negative and overflowing dims.
    assert_eq!(
        code(vec![float_const("c", &[-3], TensorProto::default())]),
        Code::InvalidArgument
    );
    assert_eq!(
        code(vec![float_const(
            "c",
            &[1 << 40, 1 << 40],
            TensorProto::default()
        )]),
        Code::InvalidArgument
    );
    // One value filling 2^40 elements: refused before any allocation.
    let budget = Budget::new(&Limits {
        memory_bytes: 64 << 20,
        ..Limits::default()
    });
    let t = TensorProto {
        float_val: vec![1.0],
        ..Default::default()
    };
    let err = import(vec![float_const("c", &[1 << 20, 1 << 20], t)], &budget).unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted, "{err}");
    assert_eq!(budget.peak(), 0);
    // Out-of-range narrow integers and unsupported dtypes.
    let t = TensorProto {
        dtype: 6,
        tensor_shape: Some(shape(&[1])),
        int_val: vec![1000],
        ..Default::default()
    };
    let bad = node(
        "c",
        "Const",
        &[],
        vec![
            ("dtype", attr_value::Value::Type(6)),
            ("value", attr_value::Value::Tensor(t)),
        ],
    );
    assert_eq!(code(vec![bad]), Code::InvalidArgument);
    let t = TensorProto {
        dtype: 8,
        tensor_shape: Some(shape(&[1])),
        ..Default::default()
    };
    let bad = node(
        "c",
        "Const",
        &[],
        vec![
            ("dtype", attr_value::Value::Type(8)),
            ("value", attr_value::Value::Tensor(t)),
        ],
    );
    assert_eq!(code(vec![bad]), Code::Unimplemented);
}

/// Appends a protobuf field with a length-delimited payload.
fn field(out: &mut Vec<u8>, number: u32, payload: &[u8]) {
    let mut key = u64::from(number << 3 | 2);
    let mut len = payload.len() as u64;
    for v in [&mut key, &mut len] {
        loop {
            let byte = (*v & 0x7f) as u8;
            *v >>= 7;
            if *v == 0 {
                out.push(byte);
                break;
            }
            out.push(byte | 0x80);
        }
    }
    out.extend_from_slice(payload);
}

#[test]
fn deeply_nested_messages_are_rejected() {
    // A function attribute nested 3000 levels deep, encoded by hand (the
    // encoder itself would recurse that deep).
    let mut attr_value = vec![0x18, 0x01]; // AttrValue { i: 1 }
    for _ in 0..3000 {
        let mut entry = Vec::new();
        field(&mut entry, 1, b"x");
        field(&mut entry, 2, &attr_value);
        let mut list = Vec::new();
        field(&mut list, 1, b"f");
        field(&mut list, 2, &entry);
        attr_value.clear();
        field(&mut attr_value, 10, &list);
    }
    let mut entry = Vec::new();
    field(&mut entry, 1, b"f");
    field(&mut entry, 2, &attr_value);
    let mut node = Vec::new();
    field(&mut node, 1, b"n");
    field(&mut node, 2, b"NoOp");
    field(&mut node, 5, &entry);
    let mut graph = Vec::new();
    field(&mut graph, 1, &node);
    let err = ward_tf::load_graph_def(&graph, 1 << 30, &Budget::unlimited()).unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{err}");
}

#[test]
fn oversized_and_garbage_bytes_are_rejected() {
    let bytes = vec![0x0a; 1000];
    assert_eq!(
        ward_tf::load_graph_def(&bytes, 100, &Budget::unlimited())
            .unwrap_err()
            .code(),
        Code::ResourceExhausted
    );
    for seed in 0..200u32 {
        let garbage: Vec<u8> = (0..512u32)
            .map(|i| {
                (i.wrapping_mul(2_654_435_761)
                    .wrapping_add(seed.wrapping_mul(97))
                    >> 7) as u8
            })
            .collect();
        if let Err(e) = ward_tf::load_graph_def(&garbage, 1 << 20, &Budget::unlimited()) {
            assert!(
                matches!(
                    e.code(),
                    Code::InvalidArgument
                        | Code::NotFound
                        | Code::Unimplemented
                        | Code::ResourceExhausted
                ),
                "{e}"
            );
        }
    }
}

#[test]
fn a_million_node_graph_is_handled_in_bounded_time() {
    let nodes: Vec<NodeDef> = (0..1_000_000)
        .map(|i| node(&format!("n{i}"), "NoOp", &[], vec![]))
        .collect();
    let bytes = GraphDef {
        node: nodes,
        ..Default::default()
    }
    .encode_to_vec();
    let start = std::time::Instant::now();
    let model = ward_tf::load_graph_def(&bytes, 1 << 30, &Budget::unlimited()).unwrap();
    validate_structure(&model, &GraphLimits::default()).unwrap();
    let limits = GraphLimits {
        max_total_nodes: 500_000,
        ..GraphLimits::default()
    };
    assert_eq!(
        validate_structure(&model, &limits).unwrap_err().code(),
        Code::ResourceExhausted
    );
    assert!(start.elapsed().as_secs() < 30, "{:?}", start.elapsed());
}

//! One node of any implemented op, with arbitrary attributes and 0-3 small
//! Const inputs, compiled and run under a 64 MiB / 1 s budget. Checks that
//! spec validation, shape inference and every kernel turn hostile
//! attributes and inputs into errors, never panics, hangs or huge
//! allocations.
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use std::time::Duration;
use ward_exec::{ExecOptions, Executable, RunRequest};
use ward_graph::{Attr, Graph, Model, Node, PartialShape, TypeAttr, ValueRef};
use ward_tensor::{Budget, DType, Limits, Shape, Storage, Tensor};

/// Attribute names the ops read (from `attrs.*("…")` in crates/ops), plus
/// common TF ones.
#[rustfmt::skip]
const ATTR_NAMES: &[&str] = &[
    "T", "Tidx", "N", "dtype", "Tout", "shape", "out_type", "data_format", "axis", "adj_x",
    "adj_y", "Tparams", "Tpaddings", "Tindices", "num_split", "index_type", "Index", "value",
    "transpose_a", "transpose_b", "summarize", "squeeze_dims", "sorted", "shrink_axis_mask",
    "reverse", "padding", "output_type", "num", "new_axis_mask", "mode", "message", "keep_dims",
    "is_training", "incompatible_shape_error", "half_pixel_centers", "explicit_paddings",
    "exclusive", "equation", "epsilon", "end_mask", "ellipsis_mask", "begin_mask", "batch_dims",
    "bad_indices_policy", "alpha", "align_corners", "U", "Tshape", "Truncate", "Tperm",
    "Tmultiples", "Tlen", "Tdim", "Tb", "Taxis", "Ta", "TI", "SrcT", "DstT", "strides",
    "ksize", "dilations", "perm", "multiples", "paddings", "k", "lower", "adjoint",
];

#[rustfmt::skip]
const STRINGS: &[&str] = &[
    "SAME", "VALID", "EXPLICIT", "NHWC", "NCHW", "NDHWC", "NCDHW", "REFLECT", "SYMMETRIC",
    "CONSTANT", "ij,jk->ik", "...ij,...jk->...ik", "bij,bjk->bik", "i,i->", "ii->i", "ab->ba",
    "a...,...->a...", "", "RAISE",
];

/// Input dtypes (a small set keeps the search focused; every family is in).
const INPUT_DTYPES: &[DType] = &[
    DType::F32,
    DType::F64,
    DType::F16,
    DType::I32,
    DType::I64,
    DType::U8,
    DType::Bool,
    DType::String,
];

fn small_int(u: &mut Unstructured<'_>) -> Result<i64> {
    Ok(match u.int_in_range(0u8..=9)? {
        0 => i64::from(u.arbitrary::<i32>()?),
        1 => u.arbitrary::<i64>()?,
        2 => *u.choose(&[
            i64::MIN,
            i64::MAX,
            i64::from(i32::MAX),
            -1,
            1 << 31,
            1 << 40,
        ])?,
        _ => i64::from(u.int_in_range(-3i8..=8)?),
    })
}

fn dtype(u: &mut Unstructured<'_>) -> Result<DType> {
    u.choose(&DType::ALL).copied()
}

fn type_attr(u: &mut Unstructured<'_>) -> Result<TypeAttr> {
    Ok(match u.int_in_range(0u8..=15)? {
        0 => TypeAttr::Resource,
        1 => TypeAttr::Variant,
        2 => TypeAttr::Other(u.arbitrary()?),
        _ => TypeAttr::Data(dtype(u)?),
    })
}

fn shape(u: &mut Unstructured<'_>) -> Result<PartialShape> {
    if u.ratio(1u8, 8)? {
        return Ok(PartialShape::unknown());
    }
    let rank = u.int_in_range(0usize..=5)?;
    let dims = (0..rank)
        .map(|_| {
            Ok(match u.int_in_range(0u8..=7)? {
                0 => None,
                1 => Some(u.arbitrary::<usize>()?),
                _ => Some(usize::from(u.int_in_range(0u8..=8)?)),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(PartialShape(Some(dims)))
}

fn attr(u: &mut Unstructured<'_>) -> Result<Attr> {
    Ok(match u.int_in_range(0u8..=8)? {
        0 => Attr::Int(small_int(u)?),
        1 => Attr::Float(u.arbitrary()?),
        2 => Attr::Bool(u.arbitrary()?),
        3 => Attr::Type(type_attr(u)?),
        4 => Attr::Shape(shape(u)?),
        5 | 6 => {
            let len = u.int_in_range(0usize..=6)?;
            Attr::IntList((0..len).map(|_| small_int(u)).collect::<Result<_>>()?)
        }
        7 => Attr::Str(u.choose(STRINGS)?.as_bytes().to_vec()),
        _ => {
            let len = u.int_in_range(0usize..=16)?;
            Attr::Str(u.bytes(len)?.to_vec())
        }
    })
}

/// A tensor of at most 64 elements.
fn tensor(u: &mut Unstructured<'_>, dtype: DType) -> Result<Option<Tensor>> {
    let rank = u.int_in_range(0usize..=4)?;
    let mut dims = Vec::with_capacity(rank);
    let mut count = 1usize;
    for _ in 0..rank {
        let d = usize::from(u.int_in_range(0u8..=4)?);
        if count * d.max(1) > 64 {
            dims.push(1);
        } else {
            count *= d.max(1);
            dims.push(d);
        }
    }
    let Ok(shape) = Shape::new(dims) else {
        return Ok(None);
    };
    let Ok(len) = shape.num_elements() else {
        return Ok(None);
    };
    let tensor = match dtype {
        DType::String => {
            let strings = (0..len)
                .map(|_| {
                    let n = u.int_in_range(0usize..=8)?;
                    Ok(u.bytes(n)?.to_vec())
                })
                .collect::<Result<Vec<_>>>()?;
            Tensor::from_storage(shape, Storage::String(strings), None)
        }
        DType::Bool => {
            let values = (0..len)
                .map(|_| u.arbitrary::<bool>())
                .collect::<Result<Vec<_>>>()?;
            Tensor::from_vec(shape, values, None)
        }
        _ => {
            let size = dtype.size_of().unwrap_or(1);
            let mut bytes = vec![0u8; len * size];
            u.fill_buffer(&mut bytes)?;
            // Small integers hit more interesting paths than random 64-bit
            // words (indices, axes, shapes held in tensors).
            if dtype.is_int() && u.ratio(1u8, 2)? {
                for chunk in bytes.chunks_mut(size) {
                    let v = u.int_in_range(-2i8..=6)?;
                    chunk.fill(if v < 0 { 0xff } else { 0 });
                    chunk[0] = v as u8;
                }
            }
            Tensor::from_le_bytes(&Budget::unlimited(), dtype, shape, &bytes, "fuzz input")
        }
    };
    Ok(tensor.ok())
}

fn build(u: &mut Unstructured<'_>) -> Result<Option<(Model, Vec<ValueRef>)>> {
    let registry = ward_ops::registry();
    let mut names: Vec<&str> = registry.names().collect();
    names.sort_unstable();
    let op = *u.choose(&names)?;
    let Some(def) = registry.get(op) else {
        return Ok(None);
    };

    let mut graph = Graph::new();
    let mut inputs = Vec::new();
    let mut first_dtype = None;
    for i in 0..u.int_in_range(0usize..=3)? {
        let dt = *u.choose(INPUT_DTYPES)?;
        let Some(value) = tensor(u, dt)? else {
            return Ok(None);
        };
        first_dtype.get_or_insert(dt);
        let mut node = Node::new(format!("in{i}"), "Const");
        node.attrs
            .insert("dtype".into(), Attr::Type(TypeAttr::Data(dt)));
        node.attrs.insert("value".into(), Attr::Tensor(value));
        let Ok(id) = graph.add(node) else {
            return Ok(None);
        };
        inputs.push(ValueRef::new(id, 0));
    }

    let mut node = Node::new("op", op);
    node.inputs = inputs;
    // The op's own type attributes, mostly matching the first input.
    for constraint in def.spec.types {
        if u.ratio(7u8, 8)? {
            let t = match first_dtype {
                Some(dt) if u.ratio(3u8, 4)? => TypeAttr::Data(dt),
                _ => type_attr(u)?,
            };
            node.attrs
                .insert(constraint.attr.to_string(), Attr::Type(t));
        }
    }
    for _ in 0..u.int_in_range(0usize..=6)? {
        let name = *u.choose(ATTR_NAMES)?;
        node.attrs.insert(name.to_string(), attr(u)?);
    }
    let outputs = def
        .spec
        .num_outputs(&node)
        .ok()
        .and_then(|r| r.exact())
        .unwrap_or(1)
        .min(16);
    let Ok(id) = graph.add(node) else {
        return Ok(None);
    };
    let fetches = (0..outputs).map(|i| ValueRef::new(id, i)).collect();
    Ok(Some((
        Model {
            graph,
            library: Default::default(),
        },
        fetches,
    )))
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(Some((model, fetches))) = build(&mut u) else {
        return;
    };
    let options = ExecOptions {
        threads: 1,
        ..ExecOptions::default()
    };
    let Ok(exe) = Executable::new(model, ward_ops::registry(), &options) else {
        return;
    };
    let budget = Budget::new(&Limits {
        memory_bytes: 64 << 20,
        timeout: Some(Duration::from_secs(1)),
        max_loop_iterations: 10_000,
    });
    let request = RunRequest {
        fetches,
        ..RunRequest::default()
    };
    let _ = exe.run(&budget, request);
});

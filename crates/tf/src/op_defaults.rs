//! Default attribute values from TensorFlow's op registry. SavedModels are
//! written with defaults stripped (`stripped_default_attrs`), and TF itself
//! fills them back in on import; ward does the same for the ops it knows,
//! so kernels always see every attribute.

use ward_graph::{Attr, Attrs, Graph, Model, PartialShape, TypeAttr};
use ward_tensor::DType;

fn int32() -> Attr {
    Attr::Type(TypeAttr::Data(DType::I32))
}
fn int64() -> Attr {
    Attr::Type(TypeAttr::Data(DType::I64))
}
fn nhwc() -> Attr {
    Attr::Str(b"NHWC".to_vec())
}
fn no_ints() -> Attr {
    Attr::IntList(Vec::new())
}
fn ones4() -> Attr {
    Attr::IntList(vec![1, 1, 1, 1])
}
fn empty_str() -> Attr {
    Attr::Str(Vec::new())
}

/// The defaults of `op`'s optional attributes.
fn defaults(op: &str) -> Vec<(&'static str, Attr)> {
    let reduce = || vec![("keep_dims", Attr::Bool(false)), ("Tidx", int32())];
    let conv = || {
        vec![
            ("use_cudnn_on_gpu", Attr::Bool(true)),
            ("explicit_paddings", no_ints()),
            ("data_format", nhwc()),
            ("dilations", ones4()),
        ]
    };
    let call = || {
        vec![
            ("config", empty_str()),
            ("config_proto", empty_str()),
            ("executor_type", empty_str()),
        ]
    };
    match op {
        "Reshape" => vec![("Tshape", int32())],
        "MatMul" => vec![
            ("transpose_a", Attr::Bool(false)),
            ("transpose_b", Attr::Bool(false)),
            ("grad_a", Attr::Bool(false)),
            ("grad_b", Attr::Bool(false)),
        ],
        "BatchMatMul" | "BatchMatMulV2" | "BatchMatMulV3" => vec![
            ("adj_x", Attr::Bool(false)),
            ("adj_y", Attr::Bool(false)),
            ("grad_x", Attr::Bool(false)),
            ("grad_y", Attr::Bool(false)),
        ],
        "Conv2D" | "Conv2DBackpropInput" => conv(),
        "DepthwiseConv2dNative" => vec![
            ("explicit_paddings", no_ints()),
            ("data_format", nhwc()),
            ("dilations", ones4()),
        ],
        "MaxPool" => vec![
            ("explicit_paddings", no_ints()),
            ("data_format", nhwc()),
            ("T", Attr::Type(TypeAttr::Data(DType::F32))),
        ],
        "AvgPool" | "BiasAdd" => vec![("data_format", nhwc())],
        "FusedBatchNorm" | "FusedBatchNormV2" | "FusedBatchNormV3" => vec![
            ("epsilon", Attr::Float(0.0001)),
            ("exponential_avg_factor", Attr::Float(1.0)),
            ("data_format", nhwc()),
            ("is_training", Attr::Bool(true)),
        ],
        "Sum" | "Mean" | "Max" | "Min" | "Prod" | "All" | "Any" => reduce(),
        "ArgMax" | "ArgMin" => vec![("Tidx", int32()), ("output_type", int64())],
        "ConcatV2" | "Range" | "BroadcastTo" => vec![("Tidx", int32())],
        "StridedSlice" => vec![
            ("begin_mask", Attr::Int(0)),
            ("end_mask", Attr::Int(0)),
            ("ellipsis_mask", Attr::Int(0)),
            ("new_axis_mask", Attr::Int(0)),
            ("shrink_axis_mask", Attr::Int(0)),
        ],
        "Shape" | "ShapeN" | "Size" => vec![("out_type", int32())],
        "Transpose" => vec![("Tperm", int32())],
        "ExpandDims" => vec![("Tdim", int32())],
        "Squeeze" => vec![("squeeze_dims", no_ints())],
        "Pack" | "Unpack" => vec![("axis", Attr::Int(0))],
        "SplitV" => vec![("Tlen", int64())],
        "Tile" => vec![("Tmultiples", int32())],
        "Pad" | "PadV2" | "MirrorPad" => vec![("Tpaddings", int32())],
        "Fill" => vec![("index_type", int32())],
        "Cumsum" => vec![
            ("exclusive", Attr::Bool(false)),
            ("reverse", Attr::Bool(false)),
            ("Tidx", int32()),
        ],
        "OneHot" => vec![("axis", Attr::Int(-1)), ("TI", int64())],
        "Cast" => vec![("Truncate", Attr::Bool(false))],
        "LeakyRelu" => vec![("alpha", Attr::Float(0.2))],
        "ResizeBilinear" | "ResizeNearestNeighbor" => {
            vec![
                ("align_corners", Attr::Bool(false)),
                ("half_pixel_centers", Attr::Bool(false)),
            ]
        }
        "TopKV2" => vec![("sorted", Attr::Bool(true)), ("index_type", int32())],
        "Where" => vec![("T", Attr::Type(TypeAttr::Data(DType::Bool)))],
        "Equal" | "NotEqual" => vec![("incompatible_shape_error", Attr::Bool(true))],
        "GatherV2" => vec![("batch_dims", Attr::Int(0))],
        "Gather" => vec![("validate_indices", Attr::Bool(true))],
        "Assert" => vec![("summarize", Attr::Int(3))],
        "PartitionedCall" | "StatefulPartitionedCall" => call(),
        "While" | "StatelessWhile" => vec![
            ("output_shapes", Attr::ShapeList(Vec::new())),
            ("parallel_iterations", Attr::Int(10)),
        ],
        "If" | "StatelessIf" | "Case" => vec![("output_shapes", Attr::ShapeList(Vec::new()))],
        "VarHandleOp" => vec![
            ("container", empty_str()),
            ("shared_name", empty_str()),
            ("allowed_devices", Attr::StrList(Vec::new())),
        ],
        "VariableV2" => vec![("container", empty_str()), ("shared_name", empty_str())],
        "Placeholder" => vec![("shape", Attr::Shape(PartialShape::unknown()))],
        _ => Vec::new(),
    }
}

fn fill(attrs: &mut Attrs, op: &str) {
    for (name, value) in defaults(op) {
        attrs.entry(name.to_string()).or_insert(value);
    }
}

fn fill_graph(graph: &mut Graph) {
    for id in 0..graph.len() {
        if let Ok(node) = graph.node_mut(id) {
            let op = node.op.clone();
            fill(&mut node.attrs, &op);
        }
    }
}

/// Adds missing default attributes to every node of the model.
pub fn add_default_attrs(model: &mut Model) {
    fill_graph(&mut model.graph);
    for function in model.library.values_mut() {
        fill_graph(&mut function.body);
    }
}

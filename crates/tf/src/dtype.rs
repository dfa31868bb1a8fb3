//! TensorFlow's DataType enum numbers (tensorflow/core/framework/types.proto).

use ward_graph::TypeAttr;
use ward_tensor::{DType, Error, Result};

/// `_REF` variants are the base type plus this offset.
const REF_OFFSET: i32 = 100;

pub fn type_attr(code: i32) -> TypeAttr {
    let base = if code > REF_OFFSET {
        code.wrapping_sub(REF_OFFSET)
    } else {
        code
    };
    match base {
        1 => TypeAttr::Data(DType::F32),
        2 => TypeAttr::Data(DType::F64),
        3 => TypeAttr::Data(DType::I32),
        4 => TypeAttr::Data(DType::U8),
        5 => TypeAttr::Data(DType::I16),
        6 => TypeAttr::Data(DType::I8),
        7 => TypeAttr::Data(DType::String),
        9 => TypeAttr::Data(DType::I64),
        10 => TypeAttr::Data(DType::Bool),
        14 => TypeAttr::Data(DType::BF16),
        17 => TypeAttr::Data(DType::U16),
        19 => TypeAttr::Data(DType::F16),
        20 => TypeAttr::Resource,
        21 => TypeAttr::Variant,
        22 => TypeAttr::Data(DType::U32),
        23 => TypeAttr::Data(DType::U64),
        _ => TypeAttr::Other(code),
    }
}

/// The TF enum number of a ward dtype.
pub fn tf_code(dtype: DType) -> i32 {
    match dtype {
        DType::F32 => 1,
        DType::F64 => 2,
        DType::I32 => 3,
        DType::U8 => 4,
        DType::I16 => 5,
        DType::I8 => 6,
        DType::String => 7,
        DType::I64 => 9,
        DType::Bool => 10,
        DType::BF16 => 14,
        DType::U16 => 17,
        DType::F16 => 19,
        DType::U32 => 22,
        DType::U64 => 23,
    }
}

/// A data type ward can hold in a tensor, or Unimplemented.
pub fn data_type(code: i32) -> Result<DType> {
    match type_attr(code) {
        TypeAttr::Data(d) => Ok(d),
        other => Err(Error::unimplemented(format!(
            "tensors of type {other} are not supported"
        ))),
    }
}

/// TensorFlow's enum name (`DT_FLOAT`, ...), as saved_model_cli prints it.
pub fn tf_name(t: TypeAttr) -> String {
    let name = match t {
        TypeAttr::Data(d) => match d {
            DType::F32 => "DT_FLOAT",
            DType::F64 => "DT_DOUBLE",
            DType::F16 => "DT_HALF",
            DType::BF16 => "DT_BFLOAT16",
            DType::I8 => "DT_INT8",
            DType::I16 => "DT_INT16",
            DType::I32 => "DT_INT32",
            DType::I64 => "DT_INT64",
            DType::U8 => "DT_UINT8",
            DType::U16 => "DT_UINT16",
            DType::U32 => "DT_UINT32",
            DType::U64 => "DT_UINT64",
            DType::Bool => "DT_BOOL",
            DType::String => "DT_STRING",
        },
        TypeAttr::Resource => "DT_RESOURCE",
        TypeAttr::Variant => "DT_VARIANT",
        TypeAttr::Other(n) => return format!("DT_TYPE_{n}"),
    };
    name.to_string()
}

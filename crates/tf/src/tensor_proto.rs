//! TensorProto → Tensor, with the element count and byte size checked (and
//! charged to the budget) before anything is allocated.

use crate::dtype::data_type;
use crate::proto::{TensorProto, TensorShapeProto};
use ward_graph::PartialShape;
use ward_tensor::{Budget, DType, Element, Error, Result, Shape, Tensor, bf16, f16};

/// A shape proto as a partial shape (-1 dims and unknown rank allowed).
pub fn partial_shape(proto: &TensorShapeProto) -> Result<PartialShape> {
    if proto.unknown_rank {
        return Ok(PartialShape::unknown());
    }
    if proto.dim.len() > ward_tensor::MAX_RANK {
        return Err(Error::invalid_argument(format!(
            "shape rank {} exceeds the maximum of {}",
            proto.dim.len(),
            ward_tensor::MAX_RANK
        )));
    }
    let dims = proto
        .dim
        .iter()
        .map(|d| match d.size {
            -1 => Ok(None),
            s => usize::try_from(s)
                .map(Some)
                .map_err(|_| Error::invalid_argument(format!("shape has invalid dimension {s}"))),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(PartialShape(Some(dims)))
}

/// A fully known shape proto.
pub fn shape(proto: Option<&TensorShapeProto>) -> Result<Shape> {
    let Some(proto) = proto else {
        return Ok(Shape::scalar());
    };
    let partial = partial_shape(proto)?;
    let dims = partial.concrete().ok_or_else(|| {
        Error::invalid_argument(format!("tensor shape {partial} is not fully defined"))
    })?;
    Shape::new(dims)
}

/// Decodes a TensorProto into a tensor charged to `budget`.
pub fn tensor(proto: &TensorProto, budget: &Budget) -> Result<Tensor> {
    let dtype = data_type(proto.dtype)?;
    let shape = shape(proto.tensor_shape.as_ref())?;
    let len = shape.num_elements()?;
    // Charge the full size before any allocation, including the case of a
    // single value repeated over a huge shape.
    budget.check_fits(
        u64::try_from(shape.byte_size(dtype)?).map_err(|_| Error::overflow("tensor size"))?,
        "constant tensor",
    )?;
    if !proto.tensor_content.is_empty() {
        if dtype == DType::String {
            return Err(Error::invalid_argument(
                "string tensors cannot use tensor_content",
            ));
        }
        return Tensor::from_le_bytes(
            budget,
            dtype,
            shape,
            &proto.tensor_content,
            "tensor_content",
        );
    }
    match dtype {
        DType::F32 => fill(budget, shape, len, &proto.float_val, |&v| Some(v)),
        DType::F64 => fill(budget, shape, len, &proto.double_val, |&v| Some(v)),
        DType::I32 => fill(budget, shape, len, &proto.int_val, |&v| Some(v)),
        // TF stores the narrow integer types in int_val; out-of-range values
        // are rejected rather than silently truncated.
        DType::I16 => fill(budget, shape, len, &proto.int_val, |&v| {
            i16::try_from(v).ok()
        }),
        DType::I8 => fill(budget, shape, len, &proto.int_val, |&v| {
            i8::try_from(v).ok()
        }),
        DType::U8 => fill(budget, shape, len, &proto.int_val, |&v| {
            u8::try_from(v).ok()
        }),
        DType::U16 => fill(budget, shape, len, &proto.int_val, |&v| {
            u16::try_from(v).ok()
        }),
        DType::I64 => fill(budget, shape, len, &proto.int64_val, |&v| Some(v)),
        DType::U32 => fill(budget, shape, len, &proto.uint32_val, |&v| Some(v)),
        DType::U64 => fill(budget, shape, len, &proto.uint64_val, |&v| Some(v)),
        DType::Bool => fill(budget, shape, len, &proto.bool_val, |&v| Some(v)),
        DType::F16 => fill(budget, shape, len, &proto.half_val, |&v| {
            u16::try_from(v).ok().map(f16::from_bits)
        }),
        DType::BF16 => fill(budget, shape, len, &proto.half_val, |&v| {
            u16::try_from(v).ok().map(bf16::from_bits)
        }),
        DType::String => strings(budget, shape, len, &proto.string_val),
    }
}

/// TF semantics for the typed value fields: exactly `len` values, or fewer
/// with the last one repeated, or none meaning zeros.
fn fill<S, T: Element>(
    budget: &Budget,
    shape: Shape,
    len: usize,
    values: &[S],
    convert: impl Fn(&S) -> Option<T>,
) -> Result<Tensor> {
    // Extra values are ignored, as TF does.
    let values = values.get(..len).unwrap_or(values);
    let (mut out, lease) = budget.alloc_empty::<T>(len, "constant tensor")?;
    for v in values {
        out.push(convert(v).ok_or_else(|| {
            Error::invalid_argument(format!("value out of range for {}", T::DTYPE))
        })?);
    }
    let last = out.last().copied().unwrap_or_default();
    out.resize(len, last);
    Tensor::from_vec(shape, out, Some(lease))
}

fn strings(budget: &Budget, shape: Shape, len: usize, values: &[Vec<u8>]) -> Result<Tensor> {
    if values.len() > len {
        return Err(Error::invalid_argument(
            "string tensor holds more values than elements",
        ));
    }
    let last = values.last().cloned().unwrap_or_default();
    // Headers, the given strings, and the repeats of the last one.
    let overflow = || Error::overflow("string tensor size");
    let headers = len
        .checked_mul(std::mem::size_of::<Vec<u8>>())
        .ok_or_else(overflow)?;
    let given = values
        .iter()
        .try_fold(0usize, |acc, s| acc.checked_add(s.len()))
        .ok_or_else(overflow)?;
    let repeats = last
        .len()
        .checked_mul(len.saturating_sub(values.len()))
        .ok_or_else(overflow)?;
    let total = headers
        .checked_add(given)
        .and_then(|t| t.checked_add(repeats))
        .ok_or_else(overflow)?;
    let lease = budget.try_alloc(total, "string tensor")?;
    let mut out: Vec<Vec<u8>> = Vec::new();
    out.try_reserve_exact(len)
        .map_err(|_| Error::resource_exhausted("cannot allocate string tensor"))?;
    out.extend(values.iter().cloned());
    out.resize(len, last);
    Tensor::from_storage(shape, ward_tensor::Storage::String(out), Some(lease))
}

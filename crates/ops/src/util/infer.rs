//! Shape-inference helpers shared by ops.

use crate::kernel::ValueInfo;
use ward_graph::PartialShape;
use ward_tensor::{Error, Result};

/// Output = the first input's type and shape (unary elementwise ops).
pub fn same_as_input(inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
    let x = inputs
        .first()
        .ok_or_else(|| Error::invalid_argument("missing input 0"))?;
    Ok(vec![ValueInfo {
        dtype: x.dtype,
        shape: x.shape.clone(),
        value: None,
    }])
}

/// Broadcast of two partial shapes; checks dtypes agree.
pub fn binary_infer(inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
    let (Some(a), Some(b)) = (inputs.first(), inputs.get(1)) else {
        return Err(Error::invalid_argument("expected 2 inputs"));
    };
    if let (Some(da), Some(db)) = (a.dtype, b.dtype)
        && da != db
    {
        return Err(Error::invalid_argument(format!(
            "inputs have different types: {da} and {db}"
        )));
    }
    Ok(vec![ValueInfo {
        dtype: a.dtype.or(b.dtype),
        shape: broadcast_partial(&a.shape, &b.shape)?,
        value: None,
    }])
}

/// NumPy broadcasting on partial shapes: unknown stays unknown, known
/// mismatches are errors.
pub fn broadcast_partial(a: &PartialShape, b: &PartialShape) -> Result<PartialShape> {
    let (Some(a), Some(b)) = (a.dims(), b.dims()) else {
        return Ok(PartialShape::unknown());
    };
    let rank = a.len().max(b.len());
    let at = |dims: &[Option<usize>], i: usize| -> Option<usize> {
        let offset = rank.saturating_sub(dims.len());
        match i.checked_sub(offset) {
            Some(j) => dims.get(j).copied().flatten(),
            None => Some(1),
        }
    };
    let mut out = Vec::with_capacity(rank);
    for i in 0..rank {
        out.push(match (at(a, i), at(b, i)) {
            (Some(x), Some(y)) if x == y => Some(x),
            (Some(1), y) => y,
            (x, Some(1)) => x,
            (Some(x), Some(y)) => {
                return Err(Error::invalid_argument(format!(
                    "Incompatible shapes: dimension {x} vs {y}"
                )));
            }
            _ => None,
        });
    }
    Ok(PartialShape(Some(out)))
}

/// The most specific shape compatible with both (TF's `Merge`): ranks and
/// known dims must agree.
pub fn merge_partial(a: &PartialShape, b: &PartialShape) -> Result<PartialShape> {
    let (Some(da), Some(db)) = (a.dims(), b.dims()) else {
        return Ok(if a.dims().is_some() {
            a.clone()
        } else {
            b.clone()
        });
    };
    if da.len() != db.len() {
        return Err(Error::invalid_argument(format!(
            "Shapes must be equal rank, but are {} and {}",
            da.len(),
            db.len()
        )));
    }
    let mut out = Vec::with_capacity(da.len());
    for (i, (x, y)) in da.iter().zip(db).enumerate() {
        out.push(match (x, y) {
            (Some(x), Some(y)) if x != y => {
                return Err(Error::invalid_argument(format!(
                    "Dimension {i} in both shapes must be equal, but are {x} and {y}"
                )));
            }
            (Some(x), _) => Some(*x),
            (None, y) => *y,
        });
    }
    Ok(PartialShape(Some(out)))
}

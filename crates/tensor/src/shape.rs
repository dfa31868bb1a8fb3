//! Shapes with checked arithmetic: every element count and byte size that a
//! model or request can influence goes through here.

use crate::{DType, Error, Result};
use std::fmt;

/// Highest rank ward accepts. TensorFlow allows 254; real models stay far
/// below, and a small cap bounds the work every shape operation does.
pub const MAX_RANK: usize = 32;

/// A fully known shape.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Shape {
    dims: Vec<usize>,
}

impl Shape {
    /// Builds a shape, checking the rank and that the element count fits.
    pub fn new(dims: Vec<usize>) -> Result<Self> {
        if dims.len() > MAX_RANK {
            return Err(Error::invalid_argument(format!(
                "rank {} exceeds the maximum of {MAX_RANK}",
                dims.len()
            )));
        }
        let shape = Shape { dims };
        shape.num_elements()?;
        Ok(shape)
    }

    pub fn scalar() -> Self {
        Shape { dims: Vec::new() }
    }

    /// A rank-1 shape (cannot overflow).
    pub fn vector(len: usize) -> Self {
        Shape { dims: vec![len] }
    }

    /// Converts TensorFlow-style signed dims, rejecting negatives.
    pub fn from_i64(dims: &[i64]) -> Result<Self> {
        let dims = dims
            .iter()
            .map(|&d| {
                usize::try_from(d)
                    .map_err(|_| Error::invalid_argument(format!("dimension {d} is negative")))
            })
            .collect::<Result<Vec<_>>>()?;
        Shape::new(dims)
    }

    pub fn dims(&self) -> &[usize] {
        &self.dims
    }
    pub fn rank(&self) -> usize {
        self.dims.len()
    }
    pub fn dim(&self, axis: usize) -> Option<usize> {
        self.dims.get(axis).copied()
    }

    /// Product of the dims, checked.
    pub fn num_elements(&self) -> Result<usize> {
        checked_product(&self.dims)
    }

    /// Element count; valid because construction checked it.
    pub fn len(&self) -> usize {
        checked_product(&self.dims).unwrap_or(usize::MAX)
    }
    pub fn is_empty(&self) -> bool {
        self.dims.contains(&0)
    }

    /// Bytes that a tensor of this shape and dtype occupies (strings count
    /// their element headers only).
    pub fn byte_size(&self, dtype: DType) -> Result<usize> {
        self.num_elements()?
            .checked_mul(dtype.budget_size_of())
            .ok_or_else(|| Error::overflow(format!("byte size of {dtype} tensor of shape {self}")))
    }

    /// Row-major strides in elements.
    pub fn strides(&self) -> Vec<usize> {
        let mut strides = vec![1usize; self.dims.len()];
        let mut acc = 1usize;
        for (stride, &dim) in strides.iter_mut().zip(&self.dims).rev() {
            *stride = acc;
            acc = acc.saturating_mul(dim);
        }
        strides
    }

    /// Resolves a possibly negative axis against this rank.
    pub fn axis(&self, axis: i64) -> Result<usize> {
        normalize_axis(axis, self.rank())
    }

    pub fn as_i64(&self) -> Vec<i64> {
        self.dims
            .iter()
            .map(|&d| i64::try_from(d).unwrap_or(i64::MAX))
            .collect()
    }

    pub fn into_dims(self) -> Vec<usize> {
        self.dims
    }
}

/// Resolves a possibly negative axis in `[-rank, rank)`.
pub fn normalize_axis(axis: i64, rank: usize) -> Result<usize> {
    let rank_i = i64::try_from(rank).map_err(|_| Error::overflow("rank"))?;
    let resolved = if axis < 0 {
        axis.checked_add(rank_i)
    } else {
        Some(axis)
    };
    match resolved {
        Some(a) if a >= 0 && a < rank_i => usize::try_from(a).map_err(|_| Error::overflow("axis")),
        _ => Err(Error::invalid_argument(format!(
            "axis {axis} is out of range for a tensor of rank {rank} (must be in [{}, {rank}))",
            rank_i.saturating_neg()
        ))),
    }
}

/// Product of dims with overflow checking.
pub fn checked_product(dims: &[usize]) -> Result<usize> {
    dims.iter().try_fold(1usize, |acc, &d| {
        acc.checked_mul(d)
            .ok_or_else(|| Error::overflow(format!("element count of shape {dims:?}")))
    })
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, d) in self.dims.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{d}")?;
        }
        f.write_str("]")
    }
}

/// Broadcasts two shapes with NumPy rules.
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Result<Shape> {
    let rank = a.len().max(b.len());
    let mut out = vec![0usize; rank];
    for (i, slot) in out.iter_mut().enumerate() {
        let da = dim_from_right(a, rank, i);
        let db = dim_from_right(b, rank, i);
        *slot = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            (x, y) => {
                return Err(Error::invalid_argument(format!(
                    "Incompatible shapes: {a:?} vs. {b:?} (dimension {x} vs {y})"
                )));
            }
        };
    }
    Shape::new(out)
}

/// The dim of `dims` aligned to position `i` of a rank-`rank` result
/// (missing leading dims are 1).
fn dim_from_right(dims: &[usize], rank: usize, i: usize) -> usize {
    let offset = rank.saturating_sub(dims.len());
    i.checked_sub(offset)
        .and_then(|j| dims.get(j).copied())
        .unwrap_or(1)
}

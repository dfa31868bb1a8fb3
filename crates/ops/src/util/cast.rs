//! Building tensors of any numeric dtype from f64 values.

use crate::util::num::Num;
use crate::with_numeric;
use ward_tensor::{Budget, DType, Result, Shape, Tensor};

/// A tensor of `dtype` holding `values` converted with Rust `as` semantics.
pub fn from_f64_values(
    budget: &Budget,
    dtype: DType,
    shape: Shape,
    values: &[f64],
) -> Result<Tensor> {
    fn build<T: Num>(budget: &Budget, shape: Shape, values: &[f64]) -> Result<Tensor> {
        let (mut out, lease) = budget.alloc_empty::<T>(values.len(), "tensor from values")?;
        out.extend(values.iter().map(|&v| T::from_f64(v)));
        Tensor::from_vec(shape, out, Some(lease))
    }
    if dtype == DType::Bool {
        let flags: Vec<bool> = values.iter().map(|&v| v != 0.0).collect();
        return Tensor::from_slice(budget, shape, &flags, "tensor from values");
    }
    with_numeric!(dtype, T => build::<T>(budget, shape, values))
}

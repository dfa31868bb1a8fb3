//! Checked access to a kernel's inputs.

use ward_tensor::{Error, Result, Tensor};

/// Takes exactly `N` inputs by value, or fails with InvalidArgument.
pub fn take<const N: usize>(inputs: Vec<Tensor>) -> Result<[Tensor; N]> {
    let got = inputs.len();
    inputs
        .try_into()
        .map_err(|_| Error::invalid_argument(format!("expected {N} inputs but got {got}")))
}

/// Wraps a single output.
pub fn one(t: Tensor) -> Result<Vec<Tensor>> {
    Ok(vec![t])
}

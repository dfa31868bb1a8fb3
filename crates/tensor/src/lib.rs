//! Tensors, checked shapes, the Budget, the error type and .npy/.npz I/O:
//! the base layer of ward. Nothing here knows about TensorFlow.

mod budget;
mod dtype;
mod error;
pub mod npy;
mod shape;
mod tensor;
pub mod units;

pub use budget::{Budget, Lease, Limits};
pub use dtype::DType;
pub use error::{Code, Error, ErrorKind, Frame, Result, ResultExt};
pub use half::{bf16, f16};
pub use shape::{MAX_RANK, Shape, broadcast_shapes, checked_product, normalize_axis};
pub use tensor::{Element, Storage, Tensor};

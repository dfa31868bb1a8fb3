//! Helpers shared by op implementations.

pub mod arg_extreme;
pub mod args;
pub mod arith;
pub mod batch_matmul;
pub mod batch_norm;
pub mod broadcast;
pub mod cast;
pub mod dtypes;
pub mod elementwise;
pub mod epilogue;
pub mod float;
pub mod infer;
pub mod layout;
pub mod matmul;
pub mod num;
pub mod resize;
pub mod simd;
pub mod simple;
pub mod special;
pub mod window;

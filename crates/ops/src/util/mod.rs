//! Helpers shared by op implementations.

pub mod args;
pub mod broadcast;
pub mod elementwise;
pub mod infer;
pub mod matmul;
pub mod num;

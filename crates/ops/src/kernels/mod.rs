//! The audited kernels module: the only place in ward where `unsafe` is
//! allowed. Each unsafe block states why it is sound; the safe wrappers
//! check every length before the block runs.

#![allow(unsafe_code)]

pub mod depthwise;
pub mod fpenv;
pub mod gemm;
pub mod sgemm;
pub mod uninit;

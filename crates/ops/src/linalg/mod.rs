//! Linear algebra.

pub mod mat_mul;

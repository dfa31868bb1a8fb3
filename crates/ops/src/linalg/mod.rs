//! Linear algebra.

pub mod batch_mat_mul;
pub mod batch_mat_mul_v2;
pub mod batch_mat_mul_v3;
pub mod einsum;
pub mod fused_mat_mul;
pub mod mat_mul;

use crate::kernel::OpDef;

/// Every op of this family, for the registry.
pub const OPS: &[&OpDef] = &[
    &batch_mat_mul::DEF,
    &batch_mat_mul_v2::DEF,
    &batch_mat_mul_v3::DEF,
    &einsum::DEF,
    &fused_mat_mul::DEF,
    &mat_mul::DEF,
];

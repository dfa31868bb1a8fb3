//! Linear algebra.

pub mod mat_mul;

use crate::kernel::OpDef;

/// Every op of this family, for the registry.
pub const OPS: &[&OpDef] = &[&mat_mul::DEF];

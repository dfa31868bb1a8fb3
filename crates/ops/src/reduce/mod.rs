//! Reductions over axes.

pub mod all;
pub mod any;
pub mod common;
pub mod max;
pub mod mean;
pub mod min;
pub mod prod;
pub mod sum;

use crate::kernel::OpDef;

/// Every op of this family, for the registry.
pub const OPS: &[&OpDef] = &[
    &sum::DEF,
    &mean::DEF,
    &prod::DEF,
    &max::DEF,
    &min::DEF,
    &all::DEF,
    &any::DEF,
];

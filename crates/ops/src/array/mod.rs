//! Array and shape ops.

pub mod arg;
pub mod const_op;
pub mod identity;
pub mod identity_n;
pub mod no_op;
pub mod placeholder;
pub mod snapshot;
pub mod stop_gradient;

use crate::kernel::OpDef;

/// Every op of this family, for the registry.
pub const OPS: &[&OpDef] = &[
    &arg::DEF,
    &const_op::DEF,
    &no_op::DEF,
    &identity::DEF,
    &identity_n::DEF,
    &snapshot::DEF,
    &stop_gradient::DEF,
    &placeholder::DEF,
];

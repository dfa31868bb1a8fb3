//! Array and shape ops.

pub mod const_op;
pub mod identity;
pub mod placeholder;

//! Array and shape ops.

pub mod arg;
pub mod const_op;
pub mod identity;
pub mod no_op;
pub mod placeholder;

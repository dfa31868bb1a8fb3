//! Array and shape ops.

pub mod arg;
pub mod const_op;
pub mod identity;
pub mod identity_n;
pub mod no_op;
pub mod placeholder;
pub mod snapshot;
pub mod stop_gradient;

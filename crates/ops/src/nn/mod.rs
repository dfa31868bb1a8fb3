//! Neural-network ops.

pub mod bias_add;
pub mod relu;
pub mod softmax;

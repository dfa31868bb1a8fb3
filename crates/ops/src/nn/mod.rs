//! Neural-network ops.

pub mod relu;

//! Elementwise math.

pub mod add_v2;
pub mod mul;

//! Neural-network ops.

pub mod bias_add;
pub mod conv2d;
pub mod elu;
pub mod leaky_relu;
pub mod log_softmax;
pub mod relu;
pub mod relu6;
pub mod selu;
pub mod softmax;
pub mod softplus;
pub mod softsign;

use crate::kernel::OpDef;

/// Every op of this family, for the registry.
pub const OPS: &[&OpDef] = &[
    &bias_add::DEF,
    &conv2d::DEF,
    &elu::DEF,
    &leaky_relu::DEF,
    &log_softmax::DEF,
    &relu::DEF,
    &relu6::DEF,
    &selu::DEF,
    &softmax::DEF,
    &softplus::DEF,
    &softsign::DEF,
];

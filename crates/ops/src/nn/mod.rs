//! Neural-network ops.

pub mod arg_max;
pub mod arg_min;
pub mod avg_pool;
pub mod bias_add;
pub mod conv2d;
pub mod conv2d_backprop_input;
pub mod depthwise_conv2d_native;
pub mod elu;
pub mod fused_batch_norm;
pub mod fused_batch_norm_v2;
pub mod fused_batch_norm_v3;
pub mod fused_conv2d;
pub mod fused_depthwise_conv2d_native;
pub mod leaky_relu;
pub mod log_softmax;
pub mod max_pool;
pub mod relu;
pub mod relu6;
pub mod resize_bilinear;
pub mod resize_nearest_neighbor;
pub mod selu;
pub mod softmax;
pub mod softplus;
pub mod softsign;
#[cfg(test)]
mod tests;
pub mod top_k_v2;

use crate::kernel::OpDef;

/// Every op of this family, for the registry.
pub const OPS: &[&OpDef] = &[
    &bias_add::DEF,
    &arg_max::DEF,
    &arg_min::DEF,
    &avg_pool::DEF,
    &conv2d::DEF,
    &conv2d_backprop_input::DEF,
    &depthwise_conv2d_native::DEF,
    &elu::DEF,
    &fused_batch_norm::DEF,
    &fused_batch_norm_v2::DEF,
    &fused_batch_norm_v3::DEF,
    &fused_conv2d::DEF,
    &fused_depthwise_conv2d_native::DEF,
    &leaky_relu::DEF,
    &log_softmax::DEF,
    &max_pool::DEF,
    &relu::DEF,
    &relu6::DEF,
    &resize_bilinear::DEF,
    &resize_nearest_neighbor::DEF,
    &selu::DEF,
    &softmax::DEF,
    &softplus::DEF,
    &softsign::DEF,
    &top_k_v2::DEF,
];

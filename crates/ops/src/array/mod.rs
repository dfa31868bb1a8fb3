//! Array and shape ops.

pub mod arg;
pub mod assert;
pub mod broadcast_args;
pub mod broadcast_to;
pub mod cast;
pub mod check_numerics;
pub mod concat_v2;
pub mod const_op;
pub mod cumsum;
pub mod ensure_shape;
pub mod expand_dims;
pub mod fill;
pub mod gather;
pub mod gather_nd;
pub mod gather_v2;
pub mod identity;
pub mod identity_n;
pub mod mirror_pad;
pub mod no_op;
pub mod one_hot;
pub mod ones_like;
pub mod pack;
pub mod pad;
pub mod pad_v2;
pub mod placeholder;
pub mod placeholder_with_default;
pub mod range;
pub mod rank;
pub mod reshape;
pub mod reverse_v2;
pub mod shape;
pub mod shape_n;
pub mod size;
pub mod slice;
pub mod snapshot;
pub mod split;
pub mod split_v;
pub mod squeeze;
pub mod stop_gradient;
pub mod strided_slice;
pub mod tile;
pub mod transpose;
pub mod unpack;
pub mod where_op;
pub mod zeros_like;

#[cfg(test)]
mod tests;

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
    &reshape::DEF,
    &shape::DEF,
    &shape_n::DEF,
    &size::DEF,
    &rank::DEF,
    &expand_dims::DEF,
    &squeeze::DEF,
    &transpose::DEF,
    &concat_v2::DEF,
    &pack::DEF,
    &unpack::DEF,
    &split::DEF,
    &split_v::DEF,
    &slice::DEF,
    &strided_slice::DEF,
    &gather::DEF,
    &gather_v2::DEF,
    &gather_nd::DEF,
    &tile::DEF,
    &pad::DEF,
    &pad_v2::DEF,
    &mirror_pad::DEF,
    &fill::DEF,
    &zeros_like::DEF,
    &ones_like::DEF,
    &range::DEF,
    &broadcast_to::DEF,
    &broadcast_args::DEF,
    &reverse_v2::DEF,
    &cumsum::DEF,
    &where_op::DEF,
    &one_hot::DEF,
    &placeholder_with_default::DEF,
    &ensure_shape::DEF,
    &check_numerics::DEF,
    &assert::DEF,
    &cast::DEF,
];

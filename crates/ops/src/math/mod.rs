//! Elementwise math.

pub mod abs;
pub mod add;
pub mod add_n;
pub mod add_v2;
pub mod ceil;
pub mod clip_by_value;
pub mod cos;
pub mod div;
pub mod div_no_nan;
pub mod equal;
pub mod erf;
pub mod erfc;
pub mod exp;
pub mod expm1;
pub mod floor;
pub mod floor_div;
pub mod floor_mod;
pub mod greater;
pub mod greater_equal;
pub mod is_finite;
pub mod is_inf;
pub mod is_nan;
pub mod less;
pub mod less_equal;
pub mod log;
pub mod log1p;
pub mod logical_and;
pub mod logical_not;
pub mod logical_or;
pub mod maximum;
pub mod minimum;
pub mod mul;
pub mod neg;
pub mod not_equal;
pub mod pow;
pub mod real_div;
pub mod reciprocal;
pub mod round;
pub mod rsqrt;
pub mod select;
pub mod select_v2;
pub mod sigmoid;
pub mod sign;
pub mod sin;
pub mod sqrt;
pub mod square;
pub mod squared_difference;
pub mod sub;
pub mod tanh;

use crate::kernel::OpDef;

/// Every op of this family, for the registry.
pub const OPS: &[&OpDef] = &[
    &abs::DEF,
    &add::DEF,
    &add_n::DEF,
    &add_v2::DEF,
    &ceil::DEF,
    &clip_by_value::DEF,
    &cos::DEF,
    &div::DEF,
    &div_no_nan::DEF,
    &equal::DEF,
    &erf::DEF,
    &erfc::DEF,
    &exp::DEF,
    &expm1::DEF,
    &floor::DEF,
    &floor_div::DEF,
    &floor_mod::DEF,
    &greater::DEF,
    &greater_equal::DEF,
    &is_finite::DEF,
    &is_inf::DEF,
    &is_nan::DEF,
    &less::DEF,
    &less_equal::DEF,
    &log::DEF,
    &log1p::DEF,
    &logical_and::DEF,
    &logical_not::DEF,
    &logical_or::DEF,
    &maximum::DEF,
    &minimum::DEF,
    &mul::DEF,
    &neg::DEF,
    &not_equal::DEF,
    &pow::DEF,
    &real_div::DEF,
    &reciprocal::DEF,
    &round::DEF,
    &rsqrt::DEF,
    &select::DEF,
    &select_v2::DEF,
    &sigmoid::DEF,
    &sign::DEF,
    &sin::DEF,
    &sqrt::DEF,
    &square::DEF,
    &squared_difference::DEF,
    &sub::DEF,
    &tanh::DEF,
];

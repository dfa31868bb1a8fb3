//! The table of every op ward implements, by TF op name.

use crate::kernel::OpDef;
use crate::{array, linalg, math, nn};
use std::collections::HashMap;
use std::sync::OnceLock;
use ward_graph::{OpSpec, SpecRegistry};

const OPS: &[&OpDef] = &[
    &array::arg::DEF,
    &array::const_op::DEF,
    &array::no_op::DEF,
    &array::identity::DEF,
    &array::identity_n::DEF,
    &array::snapshot::DEF,
    &array::stop_gradient::DEF,
    &array::placeholder::DEF,
    &math::abs::DEF,
    &math::add::DEF,
    &math::add_n::DEF,
    &math::add_v2::DEF,
    &math::ceil::DEF,
    &math::clip_by_value::DEF,
    &math::cos::DEF,
    &math::div::DEF,
    &math::div_no_nan::DEF,
    &math::equal::DEF,
    &math::erf::DEF,
    &math::erfc::DEF,
    &math::exp::DEF,
    &math::expm1::DEF,
    &math::floor::DEF,
    &math::floor_div::DEF,
    &math::floor_mod::DEF,
    &math::greater::DEF,
    &math::greater_equal::DEF,
    &math::is_finite::DEF,
    &math::is_inf::DEF,
    &math::is_nan::DEF,
    &math::less::DEF,
    &math::less_equal::DEF,
    &math::log::DEF,
    &math::log1p::DEF,
    &math::logical_and::DEF,
    &math::logical_not::DEF,
    &math::logical_or::DEF,
    &math::maximum::DEF,
    &math::minimum::DEF,
    &math::mul::DEF,
    &math::neg::DEF,
    &math::not_equal::DEF,
    &math::pow::DEF,
    &math::real_div::DEF,
    &math::reciprocal::DEF,
    &math::round::DEF,
    &math::rsqrt::DEF,
    &math::select::DEF,
    &math::select_v2::DEF,
    &math::sigmoid::DEF,
    &math::sign::DEF,
    &math::sin::DEF,
    &math::sqrt::DEF,
    &math::square::DEF,
    &math::squared_difference::DEF,
    &math::sub::DEF,
    &math::tanh::DEF,
    &linalg::mat_mul::DEF,
    &nn::bias_add::DEF,
    &nn::elu::DEF,
    &nn::leaky_relu::DEF,
    &nn::log_softmax::DEF,
    &nn::relu::DEF,
    &nn::relu6::DEF,
    &nn::selu::DEF,
    &nn::softmax::DEF,
    &nn::softplus::DEF,
    &nn::softsign::DEF,
];

/// All implemented ops, looked up by name.
pub struct Registry {
    ops: HashMap<&'static str, &'static OpDef>,
}

impl Registry {
    pub fn get(&self, op: &str) -> Option<&'static OpDef> {
        self.ops.get(op).copied()
    }
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.ops.keys().copied()
    }
}

impl SpecRegistry for Registry {
    fn spec(&self, op: &str) -> Option<&OpSpec> {
        self.get(op).map(|d| &d.spec)
    }
}

/// The process-wide registry.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| Registry {
        ops: OPS.iter().map(|d| (d.spec.name, *d)).collect(),
    })
}

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
    &array::placeholder::DEF,
    &math::add_v2::DEF,
    &math::mul::DEF,
    &linalg::mat_mul::DEF,
    &nn::bias_add::DEF,
    &nn::relu::DEF,
    &nn::softmax::DEF,
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

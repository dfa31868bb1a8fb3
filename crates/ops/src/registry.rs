//! The table of every op ward implements, by TF op name.

use crate::kernel::OpDef;
use crate::{array, control, io, linalg, math, nn, reduce};
use std::collections::HashMap;
use std::sync::OnceLock;
use ward_graph::{OpSpec, SpecRegistry};

/// One list per op family; each family's `mod.rs` lists its ops.
const FAMILIES: &[&[&OpDef]] = &[
    array::OPS,
    control::OPS,
    io::OPS,
    linalg::OPS,
    math::OPS,
    nn::OPS,
    reduce::OPS,
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
        ops: FAMILIES
            .iter()
            .flat_map(|f| f.iter())
            .map(|d| (d.spec.name, *d))
            .collect(),
    })
}

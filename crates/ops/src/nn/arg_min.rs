//! ArgMin: the index of the smallest element along the axis given by the
//! `dimension` input (NaN skipped, ties to the lowest index), as
//! `output_type`.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/ArgMin>

use crate::prelude::*;
use crate::util::arg_extreme::{ArgExtreme, Extreme};
use crate::util::dtypes::NUMERIC_BOOL;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "ArgMin",
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(1),
        types: &[
            type_attr("T", NUMERIC_BOOL),
            TypeConstraint {
                attr: "Tidx",
                allowed: INDEX,
                optional: true,
            },
            TypeConstraint {
                attr: "output_type",
                allowed: INDEX,
                optional: true,
            },
        ],
        capability: Capability::Pure,
    },
    build: |node| ArgExtreme::boxed(node, Extreme::Min),
};

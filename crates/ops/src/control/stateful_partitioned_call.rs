//! StatefulPartitionedCall: PartitionedCall of a function that may have
//! side effects (Keras models use it for every call); same semantics.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/StatefulPartitionedCall>

use super::partitioned_call::{build, spec};
use crate::kernel::OpDef;

pub const DEF: OpDef = OpDef {
    spec: spec("StatefulPartitionedCall"),
    build,
};

//! FusedBatchNorm: batch normalization of a 4-D NHWC or NCHW input with
//! per-channel scale, offset, mean and variance, in inference mode
//! (`is_training=false`): `y = (x - mean) * scale / sqrt(variance +
//! epsilon) + offset`. 5 outputs: y, batch_mean, batch_variance and the
//! reserve spaces.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/FusedBatchNorm>

use crate::prelude::*;
use crate::util::batch_norm::FusedBatchNorm;
use ward_tensor::DType::F32;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "FusedBatchNorm",
        inputs: Arity::Exact(5),
        outputs: Arity::Exact(5),
        types: &[type_attr("T", &[F32])],
        capability: Capability::Pure,
    },
    build: |node| FusedBatchNorm::boxed(node, 5),
};

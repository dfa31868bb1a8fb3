//! FusedBatchNormV3: batch normalization of a 4-D NHWC or NCHW input with
//! per-channel scale, offset, mean and variance, in inference mode
//! (`is_training=false`): `y = (x - mean) * scale / sqrt(variance +
//! epsilon) + offset`. 6 outputs: y, batch_mean, batch_variance and the
//! reserve spaces.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/FusedBatchNormV3>

use crate::prelude::*;
use crate::util::batch_norm::FusedBatchNorm;
use ward_tensor::DType::{BF16, F16, F32};

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "FusedBatchNormV3",
        inputs: Arity::Exact(5),
        outputs: Arity::Exact(6),
        types: &[type_attr("T", &[F16, BF16, F32]), type_attr("U", &[F32])],
        capability: Capability::Pure,
    },
    build: |node| FusedBatchNorm::boxed(node, 6),
};

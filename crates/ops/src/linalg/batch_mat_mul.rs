//! BatchMatMul: batched `op(x) · op(y)` over the last two dims, op = optional
//! adjoint (transpose) per `adj_x`/`adj_y`; batch dims must be equal.
//! The kernel is BatchMatMulV2's without broadcasting.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/BatchMatMul>

use super::batch_mat_mul_v2::build_with;
use crate::prelude::*;
use ward_tensor::DType::{BF16, F16, F32, F64, I32, I64};

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "BatchMatMul",
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", &[F16, BF16, F32, F64, I32, I64])],
        capability: Capability::Pure,
    },
    build: |node| build_with(node, false),
};

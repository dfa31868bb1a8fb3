//! BatchMatMulV2: batched `op(x) · op(y)` over the last two dims, op = optional
//! adjoint (transpose) per `adj_x`/`adj_y`; batch dims broadcast (NumPy rules).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/BatchMatMulV2>

use crate::prelude::*;
use crate::util::batch_matmul::BatchMatMulAttrs;
use ward_tensor::DType::{BF16, F16, F32, F64, I16, I32, I64};

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "BatchMatMulV2",
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", &[F16, BF16, F32, F64, I16, I32, I64])],
        capability: Capability::Pure,
    },
    build,
};

/// The kernel of BatchMatMul and BatchMatMulV2, which differ only in
/// whether batch dims broadcast.
#[derive(Debug)]
pub(crate) struct BatchMatMul {
    attrs: BatchMatMulAttrs,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    build_with(node, true)
}

pub(crate) fn build_with(node: &Node, broadcast: bool) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(BatchMatMul {
        attrs: BatchMatMulAttrs {
            adj_x: node.attrs.bool_or("adj_x", false)?,
            adj_y: node.attrs.bool_or("adj_y", false)?,
            broadcast,
        },
    }))
}

impl Kernel for BatchMatMul {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        let (Some(a), Some(b)) = (inputs.first(), inputs.get(1)) else {
            return Err(Error::invalid_argument("expected 2 inputs"));
        };
        Ok(vec![ValueInfo::of_opt(
            a.dtype.or(b.dtype),
            self.attrs.infer(&a.shape, &b.shape)?,
        )])
    }

    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [a, b] = take(inputs)?;
        if a.dtype() != b.dtype() {
            return Err(Error::invalid_argument(format!(
                "BatchMatMul inputs have different types: {} and {}",
                a.dtype(),
                b.dtype()
            )));
        }
        crate::with_matmul_type!(a.dtype(), T => one(self.attrs.eval::<T>(ctx, &a, &b)?))
    }
}

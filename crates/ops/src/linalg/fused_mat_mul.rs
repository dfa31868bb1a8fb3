//! _FusedMatMul: MatMul, then BiasAdd, then an optional activation, the
//! epilogue applied in one pass over the product (TF's grappler remapper
//! emits it, and so does ward's own load-time optimizer). `fused_ops` is
//! `["BiasAdd"]` or `["BiasAdd", Relu|Relu6|Elu|LeakyRelu]` with one
//! argument, the bias.
//! <https://github.com/tensorflow/tensorflow/blob/master/tensorflow/core/ops/math_ops.cc>

use crate::linalg::mat_mul::MatMul;
use crate::prelude::*;
use crate::util::epilogue::{Activation, Epilogue, fused_spec, parse_fused_ops};
use crate::util::float::Float;
use crate::util::matmul::MatMulElement;

pub const DEF: OpDef = OpDef {
    spec: fused_spec("_FusedMatMul"),
    build,
};

#[derive(Debug)]
struct FusedMatMul {
    matmul: MatMul,
    activation: Activation,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(FusedMatMul {
        matmul: MatMul::new(node)?,
        activation: parse_fused_ops(node)?,
    }))
}

impl Kernel for FusedMatMul {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        self.matmul.infer_output(inputs)
    }

    fn prepare(&mut self, constants: &[Option<&Tensor>], room: &mut usize) {
        self.matmul
            .prepare_weights(constants.get(1).copied().flatten(), room);
    }

    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [a, b, bias] = take(inputs)?;
        if bias.dtype() != a.dtype() {
            return Err(Error::invalid_argument(format!(
                "bias is {} but the inputs are {}",
                bias.dtype(),
                a.dtype()
            ))
            .at_input(2));
        }
        match a.dtype() {
            DType::F32 => one(self.run::<f32>(ctx, &a, &b, &bias)?),
            DType::F64 => one(self.run::<f64>(ctx, &a, &b, &bias)?),
            DType::F16 => one(self.run::<f16>(ctx, &a, &b, &bias)?),
            DType::BF16 => one(self.run::<bf16>(ctx, &a, &b, &bias)?),
            other => Err(Error::invalid_argument(format!(
                "_FusedMatMul does not support {other}"
            ))),
        }
    }
}

impl FusedMatMul {
    fn run<T: Float + MatMulElement>(
        &self,
        ctx: &EvalCtx<'_>,
        a: &Tensor,
        b: &Tensor,
        bias: &Tensor,
    ) -> Result<Tensor> {
        let Some(n) = self.matmul.columns(b.dims()) else {
            // Not a matrix: MatMul reports it.
            return self.matmul.compute::<T>(ctx, a, b);
        };
        if bias.dims() != [n] {
            return Err(Error::invalid_argument(format!(
                "bias must be 1-D with one value per output column ({n}), got shape {}",
                bias.shape()
            ))
            .at_input(2));
        }
        let epilogue = Epilogue {
            bias: Some(bias.as_slice::<T>()?),
            activation: self.activation,
        };
        let fused = self.activation.clamp().map(|clamp| (epilogue.bias, clamp));
        let (mut out, done) = self.matmul.compute_with::<T>(ctx, a, b, fused)?;
        if done {
            return Ok(out);
        }
        let values = out
            .unique_slice_mut::<T>()
            .ok_or_else(|| Error::internal("a fresh product is shared"))?;
        epilogue.apply(values, n);
        Ok(out)
    }
}

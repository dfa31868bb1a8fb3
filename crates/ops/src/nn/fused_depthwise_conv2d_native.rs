//! _FusedDepthwiseConv2dNative: DepthwiseConv2dNative, then BiasAdd, then an
//! optional activation, in one pass (TF's grappler remapper emits it, and
//! so does ward's own load-time optimizer). `fused_ops` is `["BiasAdd"]` or
//! `["BiasAdd", Relu|Relu6|Elu|LeakyRelu]` with one argument, the bias.
//! <https://github.com/tensorflow/tensorflow/blob/master/tensorflow/core/ops/nn_ops.cc>

use crate::nn::depthwise_conv2d_native::Depthwise;
use crate::prelude::*;
use crate::util::epilogue::{Activation, Epilogue, fused_spec, parse_fused_ops};
use crate::util::float::Float;

pub const DEF: OpDef = OpDef {
    spec: fused_spec("_FusedDepthwiseConv2dNative"),
    build,
};

#[derive(Debug)]
struct FusedDepthwise {
    conv: Depthwise,
    activation: Activation,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(FusedDepthwise {
        conv: Depthwise::new(node)?,
        activation: parse_fused_ops(node)?,
    }))
}

impl Kernel for FusedDepthwise {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        self.conv.infer_output(inputs)
    }

    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x, f, bias] = take(inputs)?;
        for (i, t) in [(1, &f), (2, &bias)] {
            if t.dtype() != x.dtype() {
                return Err(Error::invalid_argument(format!(
                    "input {i} is {} but the input is {}",
                    t.dtype(),
                    x.dtype()
                ))
                .at_input(i));
            }
        }
        if bias.dims().len() != 1 {
            return Err(Error::invalid_argument(format!(
                "bias must be 1-D, got shape {}",
                bias.shape()
            ))
            .at_input(2));
        }
        with_float!(x.dtype(), T => one(self.run::<T>(ctx, &x, &f, &bias)?))
    }
}

impl FusedDepthwise {
    fn run<T: Float>(
        &self,
        ctx: &EvalCtx<'_>,
        x: &Tensor,
        f: &Tensor,
        bias: &Tensor,
    ) -> Result<Tensor> {
        let epilogue = Epilogue {
            bias: Some(bias.as_slice::<T>()?),
            activation: self.activation,
        };
        self.conv.compute::<T>(ctx, x, f, &epilogue)
    }
}

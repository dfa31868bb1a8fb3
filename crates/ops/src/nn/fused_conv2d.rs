//! _FusedConv2D: Conv2D, then BiasAdd, then an optional activation, each
//! output block finished while it is still in cache (TF's grappler remapper
//! emits it, and so does ward's own load-time optimizer). `fused_ops` is
//! `["BiasAdd"]` or `["BiasAdd", Relu|Relu6|Elu|LeakyRelu]` with one
//! argument, the bias; the FusedBatchNorm forms are refused as unimplemented.
//! <https://github.com/tensorflow/tensorflow/blob/master/tensorflow/core/ops/nn_ops.cc>

use crate::nn::conv2d::Conv2D;
use crate::prelude::*;
use crate::util::epilogue::{Activation, Epilogue, fused_spec, parse_fused_ops};
use crate::util::float::Float;
use crate::util::matmul::MatMulElement;

pub const DEF: OpDef = OpDef {
    spec: fused_spec("_FusedConv2D"),
    build,
};

#[derive(Debug)]
struct FusedConv2D {
    conv: Conv2D,
    activation: Activation,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    if node.attrs.int_or("num_host_args", 0)? != 0 {
        return Err(Error::unimplemented("_FusedConv2D host arguments"));
    }
    let filter_format = node.attrs.str_or("filter_format", "HWIO")?;
    if filter_format != "HWIO" {
        return Err(Error::unimplemented(format!(
            "_FusedConv2D filter_format '{filter_format}' (only HWIO)"
        )));
    }
    Ok(Box::new(FusedConv2D {
        conv: Conv2D::new(node)?,
        activation: parse_fused_ops(node)?,
    }))
}

impl Kernel for FusedConv2D {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        self.conv.infer_output(inputs)
    }

    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x, f, bias] = take(inputs)?;
        check_fused_inputs(&x, &f, &bias)?;
        match x.dtype() {
            DType::F32 => one(self.run::<f32>(ctx, &x, &f, &bias)?),
            DType::F64 => one(self.run::<f64>(ctx, &x, &f, &bias)?),
            DType::F16 => one(self.run::<f16>(ctx, &x, &f, &bias)?),
            DType::BF16 => one(self.run::<bf16>(ctx, &x, &f, &bias)?),
            other => Err(Error::invalid_argument(format!(
                "_FusedConv2D does not support {other}"
            ))),
        }
    }
}

/// Same dtype throughout; the bias is 1-D with one value per output
/// channel (the filter's last dimension).
pub(crate) fn check_fused_inputs(x: &Tensor, f: &Tensor, bias: &Tensor) -> Result<()> {
    for (i, t) in [(1, f), (2, bias)] {
        if t.dtype() != x.dtype() {
            return Err(Error::invalid_argument(format!(
                "input {i} is {} but the input is {}",
                t.dtype(),
                x.dtype()
            ))
            .at_input(i));
        }
    }
    let channels = f.dims().last().copied();
    if bias.dims().len() != 1 || Some(bias.len()) != channels {
        return Err(Error::invalid_argument(format!(
            "bias must be 1-D with one value per output channel ({}), got shape {}",
            channels.unwrap_or(0),
            bias.shape()
        ))
        .at_input(2));
    }
    Ok(())
}

impl FusedConv2D {
    fn run<T: Float + MatMulElement>(
        &self,
        ctx: &EvalCtx<'_>,
        x: &Tensor,
        f: &Tensor,
        bias: &Tensor,
    ) -> Result<Tensor> {
        let bias = bias.as_slice::<T>()?;
        let epilogue = Epilogue {
            bias: Some(bias),
            activation: self.activation,
        };
        let finish = |block: &mut [T]| epilogue.apply(block, bias.len());
        self.conv.compute::<T>(ctx, x, f, Some(&finish))
    }
}

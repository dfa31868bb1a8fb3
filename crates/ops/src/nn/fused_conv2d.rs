//! _FusedConv2D: Conv2D, then BiasAdd, then an optional activation, each
//! output block finished while it is still in cache (TF's grappler remapper
//! emits it, and so does ward's own load-time optimizer). `fused_ops` is
//! `["BiasAdd"]` or `["BiasAdd", Relu|Relu6|Elu|LeakyRelu]` with one
//! argument, the bias, or `["FusedBatchNorm"]` (optionally followed by an
//! activation) with four, scale, offset, mean and variance: an inference
//! batch norm, `(conv - mean) · scale / sqrt(variance + epsilon) + offset`,
//! applied as a filter scaled per output channel and a bias.
//! <https://github.com/tensorflow/tensorflow/blob/master/tensorflow/core/ops/nn_ops.cc>

use crate::nn::conv2d::{Conv2D, Finish};
use crate::prelude::*;
use crate::util::epilogue::{
    Activation, Epilogue, FusedArgs, fused_spec, parse_fused_ops_or_batch_norm,
};
use crate::util::float::Float;
use crate::util::float::Wide;
use crate::util::matmul::MatMulElement;

pub const DEF: OpDef = OpDef {
    spec: fused_spec("_FusedConv2D"),
    build,
};

#[derive(Debug)]
struct FusedConv2D {
    conv: Conv2D,
    args: FusedArgs,
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
    let (args, activation) = parse_fused_ops_or_batch_norm(node)?;
    Ok(Box::new(FusedConv2D {
        conv: Conv2D::new(node)?,
        args,
        activation,
    }))
}

impl Kernel for FusedConv2D {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        self.conv.infer_output(inputs)
    }

    fn prepare(&mut self, constants: &[Option<&Tensor>], room: &mut usize) {
        // A batch norm scales the filter anew each run.
        if matches!(self.args, FusedArgs::Bias) {
            self.conv
                .prepare_filter(constants.get(1).copied().flatten(), room);
        }
    }

    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let (x, f, bias) = match self.args {
            FusedArgs::Bias => {
                let [x, f, bias] = take(inputs)?;
                (x, f, bias)
            }
            FusedArgs::BatchNorm { epsilon } => {
                let [x, f, scale, offset, mean, variance] = take(inputs)?;
                for (i, t) in [(2, &scale), (3, &offset), (4, &mean), (5, &variance)] {
                    check_fused_inputs(&x, &f, t).map_err(|e| e.at_input(i))?;
                }
                let params = [&scale, &offset, &mean, &variance];
                let (f, bias) = match x.dtype() {
                    DType::F32 => fold_batch_norm::<f32>(ctx, &f, params, epsilon)?,
                    DType::F64 => fold_batch_norm::<f64>(ctx, &f, params, epsilon)?,
                    DType::F16 => fold_batch_norm::<f16>(ctx, &f, params, epsilon)?,
                    DType::BF16 => fold_batch_norm::<bf16>(ctx, &f, params, epsilon)?,
                    other => {
                        return Err(Error::invalid_argument(format!(
                            "_FusedConv2D does not support {other}"
                        )));
                    }
                };
                (x, f, bias)
            }
        };
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

/// The filter scaled per output channel by `scale / sqrt(variance + ε)` and
/// the bias `offset - mean · factor`: the batch norm folded into the
/// convolution (computed in the wide type, rounded once). The copies are
/// charged to the run's budget.
// Arithmetic here is on float element values, never on sizes.
#[allow(clippy::arithmetic_side_effects)]
fn fold_batch_norm<T: Float>(
    ctx: &EvalCtx<'_>,
    f: &Tensor,
    [scale, offset, mean, variance]: [&Tensor; 4],
    epsilon: f32,
) -> Result<(Tensor, Tensor)> {
    let eps = T::Wide::from_f64(f64::from(epsilon));
    let (scale, offset) = (scale.as_slice::<T>()?, offset.as_slice::<T>()?);
    let (mean, variance) = (mean.as_slice::<T>()?, variance.as_slice::<T>()?);
    let (mut factors, _fl) = ctx
        .budget
        .alloc_empty::<T::Wide>(scale.len(), "batch norm factors")?;
    factors.extend(
        scale
            .iter()
            .zip(variance)
            .map(|(&s, &v)| s.widen() / (v.widen() + eps).sqrt()),
    );
    let (mut bias, bias_lease) = ctx
        .budget
        .alloc_empty::<T>(offset.len(), "batch norm bias")?;
    bias.extend(
        offset
            .iter()
            .zip(mean)
            .zip(&factors)
            .map(|((&o, &m), &k)| T::narrow(o.widen() - m.widen() * k)),
    );
    let w = f.as_slice::<T>()?;
    let (mut scaled, filter_lease) = ctx
        .budget
        .alloc_empty::<T>(w.len(), "batch-norm-scaled filter")?;
    scaled.extend(w.chunks(factors.len().max(1)).flat_map(|row| {
        row.iter()
            .zip(&factors)
            .map(|(&w, &k)| T::narrow(w.widen() * k))
    }));
    Ok((
        Tensor::from_vec(f.shape().clone(), scaled, Some(filter_lease))?,
        Tensor::from_vec(Shape::vector(bias.len()), bias, Some(bias_lease))?,
    ))
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
        let apply = |block: &mut [T]| epilogue.apply(block, bias.len());
        let finish = Finish {
            apply: &apply,
            bias: Some(bias),
            clamp: self.activation.clamp(),
        };
        self.conv.compute::<T>(ctx, x, f, Some(finish))
    }
}

//! BiasAdd: adds a 1-D bias along the channel dim (last for NHWC, 1 for NCHW).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/BiasAdd>

use crate::prelude::*;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "BiasAdd",
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", NUMERIC)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct BiasAdd {
    channels_first: bool,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    let format = node.attrs.str_or("data_format", "NHWC")?;
    let channels_first = match format.as_str() {
        "NHWC" | "N..C" => false,
        "NCHW" | "NC.." => true,
        other => {
            return Err(Error::invalid_argument(format!(
                "invalid data_format '{other}'"
            )));
        }
    };
    Ok(Box::new(BiasAdd { channels_first }))
}

impl BiasAdd {
    /// The channel axis for a value of `rank`, checking TF's rank rules.
    fn channel_axis(&self, rank: usize) -> Result<usize> {
        let min_rank = if self.channels_first { 3 } else { 2 };
        if rank < min_rank {
            return Err(Error::invalid_argument(format!(
                "Input tensor must be at least {min_rank}D, got rank {rank}"
            )));
        }
        Ok(if self.channels_first {
            1
        } else {
            rank.saturating_sub(1)
        })
    }
}

impl Kernel for BiasAdd {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        let (Some(x), Some(bias)) = (inputs.first(), inputs.get(1)) else {
            return Err(Error::invalid_argument("expected 2 inputs"));
        };
        if let Some(r) = bias.shape.rank()
            && r != 1
        {
            return Err(Error::invalid_argument(format!(
                "Biases must be 1D, got rank {r}"
            )));
        }
        if let Some(dims) = x.shape.dims() {
            let axis = self.channel_axis(dims.len())?;
            let channels = dims.get(axis).copied().flatten();
            let bias_len = bias.shape.dims().and_then(|d| d.first().copied().flatten());
            if let (Some(c), Some(b)) = (channels, bias_len)
                && c != b
            {
                return Err(Error::invalid_argument(format!(
                    "Must provide as many biases as the channel dimension of the input tensor: {b} vs. {c}"
                )));
            }
        }
        Ok(vec![ValueInfo::of_opt(
            x.dtype.or(bias.dtype),
            x.shape.clone(),
        )])
    }

    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x, bias] = take(inputs)?;
        if bias.rank() != 1 {
            return Err(Error::invalid_argument(format!(
                "Biases must be 1D, got rank {}",
                bias.rank()
            ))
            .at_input(1));
        }
        let axis = self.channel_axis(x.rank())?;
        let channels = x.dims().get(axis).copied().unwrap_or(0);
        if bias.len() != channels {
            return Err(Error::invalid_argument(format!(
                "Must provide as many biases as the channel dimension of the input tensor: {} vs. {channels}",
                bias.len()
            )));
        }
        // Elements between consecutive channel steps.
        let inner: usize = x.dims().iter().skip(axis.saturating_add(1)).product();
        with_numeric!(x.dtype(), T => {
            let b = bias.as_slice::<T>().map_err(|e| e.at_input(1))?.to_vec();
            one(apply::<T>(ctx, x, &b, inner)?)
        })
    }
}

fn apply<T: Num>(ctx: &EvalCtx<'_>, x: Tensor, bias: &[T], inner: usize) -> Result<Tensor> {
    let channels = bias.len();
    let add = |values: &mut [T]| {
        if channels == 0 || inner == 0 {
            return;
        }
        if inner == 1 {
            // NHWC: the bias repeats along contiguous runs of `channels`.
            for run in values.chunks_mut(channels) {
                for (v, &b) in run.iter_mut().zip(bias) {
                    *v = v.add(b);
                }
            }
            return;
        }
        // Rows of `inner` elements cycle through the channels.
        for (row, chunk) in values.chunks_mut(inner).enumerate() {
            let b = bias
                .get(row.checked_rem(channels).unwrap_or(0))
                .copied()
                .unwrap_or(T::ZERO);
            for v in chunk {
                *v = v.add(b);
            }
        }
    };
    let mut x = x;
    if let Some(values) = x.unique_slice_mut::<T>() {
        add(values);
        return Ok(x);
    }
    let mut copy = ctx.budget.alloc_empty::<T>(x.len(), "BiasAdd output")?;
    copy.0.extend_from_slice(x.as_slice::<T>()?);
    add(&mut copy.0);
    Tensor::from_vec(x.shape().clone(), copy.0, Some(copy.1))
}

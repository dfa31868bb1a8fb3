//! FusedBatchNorm (V1, V2, V3) in inference mode (`is_training=false`):
//! `y = x * s + (offset - mean * s)` with `s = scale / sqrt(variance +
//! epsilon)` per channel, computed in f32 (TF's `U`) as TF's CPU kernel
//! does. batch_mean and batch_variance are the mean and variance inputs;
//! the reserve spaces (which TF leaves uninitialized) are copies of them,
//! and V3's third reserve space is empty.

// Arithmetic here is on float element values, never on sizes.
#![allow(clippy::arithmetic_side_effects)]

use crate::kernel::{EvalCtx, Kernel, ValueInfo};
use std::fmt;
use ward_graph::{AttrsExt, Node, PartialShape, TypeAttr};
use ward_tensor::{DType, Error, Result, Shape, Tensor, bf16, f16};

pub struct FusedBatchNorm {
    outputs: usize,
    epsilon: f32,
    channels_first: bool,
    t: DType,
    u: DType,
}

impl fmt::Debug for FusedBatchNorm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FusedBatchNorm")
            .field("outputs", &self.outputs)
            .field("epsilon", &self.epsilon)
            .field("channels_first", &self.channels_first)
            .finish_non_exhaustive()
    }
}

impl FusedBatchNorm {
    /// A kernel with `outputs` outputs (5 for V1/V2, 6 for V3).
    pub fn boxed(node: &Node, outputs: usize) -> Result<Box<dyn Kernel>> {
        if node.attrs.bool_or("is_training", true)? {
            return Err(Error::unimplemented(
                "FusedBatchNorm with is_training=true is not supported; ward runs inference only",
            ));
        }
        let format = node.attrs.str_or("data_format", "NHWC")?;
        let channels_first = match format.as_str() {
            "NHWC" => false,
            "NCHW" => true,
            other => {
                return Err(Error::invalid_argument(format!(
                    "invalid data_format '{other}'"
                )));
            }
        };
        let t = node.attrs.dtype("T")?;
        let u = node.attrs.dtype_or("U", DType::F32)?;
        if u != DType::F32 {
            return Err(Error::unimplemented(format!(
                "FusedBatchNorm with U={u} is not supported on the CPU"
            )));
        }
        Ok(Box::new(FusedBatchNorm {
            outputs,
            epsilon: node.attrs.float_or("epsilon", 0.0001)?,
            channels_first,
            t,
            u,
        }))
    }

    fn channel_axis(&self) -> usize {
        if self.channels_first { 1 } else { 3 }
    }
}

fn rank_error(want: usize, got: usize) -> Error {
    Error::invalid_argument(format!("Shape must be rank {want} but is rank {got}"))
}

impl Kernel for FusedBatchNorm {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        let x = inputs
            .first()
            .ok_or_else(|| Error::invalid_argument("missing input 0"))?;
        let mut channels = None;
        if let Some(d) = x.shape.dims() {
            if d.len() != 4 {
                return Err(rank_error(4, d.len()));
            }
            channels = d.get(self.channel_axis()).copied().flatten();
        }
        for v in inputs.iter().skip(1) {
            if let Some(d) = v.shape.dims() {
                let [c] = d else {
                    return Err(rank_error(1, d.len()));
                };
                match (channels, *c) {
                    (Some(a), Some(b)) if a != b => {
                        return Err(Error::invalid_argument(format!(
                            "Dimensions must be equal, but are {a} and {b}"
                        )));
                    }
                    (None, Some(b)) => channels = Some(b),
                    _ => {}
                }
            }
        }
        let mut out = vec![ValueInfo::of(TypeAttr::Data(self.t), x.shape.clone())];
        let vec_shape = PartialShape(Some(vec![channels]));
        for _ in 0..4 {
            out.push(ValueInfo::of(TypeAttr::Data(self.u), vec_shape.clone()));
        }
        if self.outputs > 5 {
            out.push(ValueInfo::of(
                TypeAttr::Data(self.u),
                PartialShape::known(&[0]),
            ));
        }
        Ok(out)
    }

    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x, scale, offset, mean, variance] = crate::util::args::take(inputs)?;
        if x.rank() != 4 {
            return Err(rank_error(4, x.rank()));
        }
        let c = x.dims().get(self.channel_axis()).copied().unwrap_or(0);
        for (i, v) in [&scale, &offset, &mean, &variance].into_iter().enumerate() {
            if v.rank() != 1 {
                return Err(rank_error(1, v.rank()).at_input(i.saturating_add(1)));
            }
            if v.len() != c {
                return Err(Error::invalid_argument(format!(
                    "Dimensions must be equal, but are {c} and {}",
                    v.len()
                ))
                .at_input(i.saturating_add(1)));
            }
            if v.dtype() != DType::F32 {
                return Err(Error::invalid_argument(format!(
                    "input {} must be float32, got {}",
                    i.saturating_add(1),
                    v.dtype()
                )));
            }
        }
        let s = scale.as_slice::<f32>()?;
        let o = offset.as_slice::<f32>()?;
        let m = mean.as_slice::<f32>()?;
        let v = variance.as_slice::<f32>()?;
        let (mut factors, _fl) = ctx.budget.alloc_empty::<f32>(c, "FusedBatchNorm factors")?;
        let (mut shifts, _sl) = ctx.budget.alloc_empty::<f32>(c, "FusedBatchNorm shifts")?;
        for (((&s, &o), &m), &v) in s.iter().zip(o).zip(m).zip(v) {
            let f = s / (v + self.epsilon).sqrt();
            factors.push(f);
            shifts.push(o - m * f);
        }
        // Elements per (channel run): NHWC steps channels every element,
        // NCHW every H*W elements.
        let inner = if self.channels_first {
            x.dims().get(2..).map_or(1, |d| d.iter().product())
        } else {
            1
        };
        let y = match x.dtype() {
            DType::F32 => normalize::<f32>(ctx, &x, &factors, &shifts, inner)?,
            DType::F16 => normalize::<f16>(ctx, &x, &factors, &shifts, inner)?,
            DType::BF16 => normalize::<bf16>(ctx, &x, &factors, &shifts, inner)?,
            other => {
                return Err(Error::invalid_argument(format!(
                    "FusedBatchNorm does not support {other}"
                )));
            }
        };
        let copy = |t: &Tensor| -> Result<Tensor> {
            let (mut out, lease) = ctx
                .budget
                .alloc_empty::<f32>(t.len(), "FusedBatchNorm stats")?;
            out.extend_from_slice(t.as_slice::<f32>()?);
            Tensor::from_vec(t.shape().clone(), out, Some(lease))
        };
        let mut outs = vec![
            y,
            copy(&mean)?,
            copy(&variance)?,
            copy(&mean)?,
            copy(&variance)?,
        ];
        if self.outputs > 5 {
            outs.push(Tensor::from_vec(
                Shape::new(vec![0])?,
                Vec::<f32>::new(),
                None,
            )?);
        }
        Ok(outs)
    }
}

/// The element types FusedBatchNorm's `T` allows; all compute in f32.
pub trait BnElement: ward_tensor::Element {
    fn to_f32(self) -> f32;
    fn from_f32(v: f32) -> Self;
}
impl BnElement for f32 {
    fn to_f32(self) -> f32 {
        self
    }
    fn from_f32(v: f32) -> Self {
        v
    }
}
impl BnElement for f16 {
    fn to_f32(self) -> f32 {
        f16::to_f32(self)
    }
    fn from_f32(v: f32) -> Self {
        f16::from_f32(v)
    }
}
impl BnElement for bf16 {
    fn to_f32(self) -> f32 {
        bf16::to_f32(self)
    }
    fn from_f32(v: f32) -> Self {
        bf16::from_f32(v)
    }
}

/// `x * factor + shift` per channel; channels change every `inner`
/// elements.
fn normalize<T: BnElement>(
    ctx: &EvalCtx<'_>,
    x: &Tensor,
    factors: &[f32],
    shifts: &[f32],
    inner: usize,
) -> Result<Tensor> {
    let xs = x.as_slice::<T>()?;
    let (mut out, lease) = ctx
        .budget
        .alloc_empty::<T>(xs.len(), "FusedBatchNorm output")?;
    let c = factors.len();
    if c > 0 && inner > 0 {
        for (run, chunk) in xs.chunks(inner).enumerate() {
            let ch = run.checked_rem(c).unwrap_or(0);
            let (f, s) = (
                factors.get(ch).copied().unwrap_or(0.0),
                shifts.get(ch).copied().unwrap_or(0.0),
            );
            out.extend(chunk.iter().map(|v| T::from_f32(v.to_f32() * f + s)));
        }
    }
    Tensor::from_vec(x.shape().clone(), out, Some(lease))
}

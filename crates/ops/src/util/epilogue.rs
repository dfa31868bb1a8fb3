//! What a fused kernel (`_FusedConv2D`, `_FusedDepthwiseConv2dNative`,
//! `_FusedMatMul`) does to each output row while it is still in cache: add
//! a per-channel bias, then an activation. The same arithmetic as the
//! separate BiasAdd and activation ops, so fused and unfused graphs agree.

// Arithmetic here is on float element values, never on sizes.
#![allow(clippy::arithmetic_side_effects)]

use crate::prelude::*;
use crate::util::float::{Float, Wide};
use crate::util::simd;

/// The activation a fused op applies after its bias.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Activation {
    Identity,
    Relu,
    Relu6,
    Elu,
    LeakyRelu(f64),
}

impl Activation {
    /// NaN passes through every activation, as in the separate ops.
    #[inline(always)]
    pub fn apply<W: Wide>(self, v: W) -> W {
        match self {
            Activation::Identity => v,
            Activation::Relu => {
                if v < W::ZERO_W {
                    W::ZERO_W
                } else {
                    v
                }
            }
            Activation::Relu6 => {
                let six = W::from_f64(6.0);
                if v < W::ZERO_W {
                    W::ZERO_W
                } else if v > six {
                    six
                } else {
                    v
                }
            }
            Activation::Elu => {
                if v < W::ZERO_W {
                    v.exp_m1()
                } else {
                    v
                }
            }
            Activation::LeakyRelu(alpha) => {
                if v < W::ZERO_W {
                    v * W::from_f64(alpha)
                } else {
                    v
                }
            }
        }
    }

    /// The activation as `min(hi, max(lo, v))`, when it is one.
    pub fn clamp(self) -> Option<(f32, f32)> {
        match self {
            Activation::Identity => Some((f32::NEG_INFINITY, f32::INFINITY)),
            Activation::Relu => Some((0.0, f32::INFINITY)),
            Activation::Relu6 => Some((0.0, 6.0)),
            Activation::Elu | Activation::LeakyRelu(_) => None,
        }
    }

    /// The activation named by a fused op's `fused_ops` entry.
    pub fn from_name(name: &str, leakyrelu_alpha: f64) -> Option<Activation> {
        Some(match name {
            "Relu" => Activation::Relu,
            "Relu6" => Activation::Relu6,
            "Elu" => Activation::Elu,
            "LeakyRelu" => Activation::LeakyRelu(leakyrelu_alpha),
            _ => return None,
        })
    }
}

/// Bias (one value per output channel) and activation.
#[derive(Debug, Clone, Copy)]
pub struct Epilogue<'a, T> {
    pub bias: Option<&'a [T]>,
    pub activation: Activation,
}

impl<T: Float> Epilogue<'_, T> {
    pub fn is_identity(&self) -> bool {
        self.bias.is_none() && self.activation == Activation::Identity
    }

    /// Stores the finished sums of channels `c0..` into `out`.
    #[inline(always)]
    pub fn store(&self, sums: &[T::Wide], c0: usize, out: &mut [T]) {
        let bias = self
            .bias
            .and_then(|b| b.get(c0..))
            .and_then(|b| b.get(..out.len()));
        macro_rules! store_with {
            ($act:expr) => {
                match bias {
                    Some(bias) => {
                        for ((o, &s), &b) in out.iter_mut().zip(sums).zip(bias) {
                            *o = T::narrow($act(T::narrow(s).widen() + b.widen()));
                        }
                    }
                    None => {
                        for (o, &s) in out.iter_mut().zip(sums) {
                            *o = T::narrow($act(s));
                        }
                    }
                }
            };
        }
        // One loop per activation, so each is a straight vectorizable loop.
        match self.activation {
            Activation::Identity => store_with!(|v| v),
            Activation::Relu => store_with!(|v| Activation::Relu.apply(v)),
            Activation::Relu6 => store_with!(|v| Activation::Relu6.apply(v)),
            Activation::Elu => store_with!(|v| Activation::Elu.apply(v)),
            a @ Activation::LeakyRelu(_) => store_with!(|v| a.apply(v)),
        }
    }

    /// Applies the epilogue in place to rows of `channels` values, compiled
    /// for the CPU's widest vectors.
    pub fn apply(&self, data: &mut [T], channels: usize) {
        simd::vectorized(Rows {
            epilogue: self,
            data,
            channels,
        });
    }

    /// Applies the epilogue in place to rows of `channels` values.
    #[inline(always)]
    fn apply_rows(&self, data: &mut [T], channels: usize) {
        if self.is_identity() || channels == 0 {
            return;
        }
        macro_rules! rows_with {
            ($act:expr) => {
                for row in data.chunks_mut(channels) {
                    match self.bias {
                        Some(bias) => {
                            for (v, &b) in row.iter_mut().zip(bias) {
                                *v = T::narrow($act(v.widen() + b.widen()));
                            }
                        }
                        None => {
                            for v in row.iter_mut() {
                                *v = T::narrow($act(v.widen()));
                            }
                        }
                    }
                }
            };
        }
        match self.activation {
            Activation::Identity => rows_with!(|v| v),
            Activation::Relu => rows_with!(|v| Activation::Relu.apply(v)),
            Activation::Relu6 => rows_with!(|v| Activation::Relu6.apply(v)),
            Activation::Elu => rows_with!(|v| Activation::Elu.apply(v)),
            a @ Activation::LeakyRelu(_) => rows_with!(|v| a.apply(v)),
        }
    }
}

/// [`Epilogue::apply`]'s work, dispatched to the widest vectors.
struct Rows<'a, 'b, T> {
    epilogue: &'a Epilogue<'b, T>,
    data: &'a mut [T],
    channels: usize,
}

impl<T: Float> simd::WithSimd for Rows<'_, '_, T> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: simd::Simd>(self, _: S) {
        self.epilogue.apply_rows(self.data, self.channels);
    }
}

/// The spec every fused op shares: input, weights, then `num_args`
/// arguments; one output; a float `T`.
pub const fn fused_spec(name: &'static str) -> OpSpec {
    OpSpec {
        name,
        inputs: Arity::IntAttr {
            attr: "num_args",
            base: 2,
        },
        outputs: Arity::Exact(1),
        types: FUSED_TYPES,
        capability: Capability::Pure,
    }
}

const FUSED_TYPES: &[TypeConstraint] = &[type_attr("T", FLOAT)];

/// What a fused op adds to each output channel before its activation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FusedArgs {
    /// `BiasAdd`: one argument, the bias.
    Bias,
    /// `FusedBatchNorm` (inference): scale, offset, mean and variance.
    BatchNorm { epsilon: f32 },
}

/// Parses the `fused_ops` attribute of a fused op: `BiasAdd` (which takes
/// the one argument, `num_args` = 1) followed by an optional activation.
pub fn parse_fused_ops(node: &Node) -> Result<Activation> {
    parse_fused(node, false).map(|(_, activation)| activation)
}

/// [`parse_fused_ops`], also accepting `FusedBatchNorm` (`num_args` = 4)
/// in place of `BiasAdd`, as `_FusedConv2D` does.
pub fn parse_fused_ops_or_batch_norm(node: &Node) -> Result<(FusedArgs, Activation)> {
    parse_fused(node, true)
}

fn parse_fused(node: &Node, batch_norm: bool) -> Result<(FusedArgs, Activation)> {
    let num_args = usize::try_from(node.attrs.int_or("num_args", 0)?)
        .map_err(|_| Error::invalid_argument("num_args must be non-negative"))?;
    let ops: Vec<String> = match node.attrs.get_attr("fused_ops") {
        Some(Attr::StrList(v)) => v
            .iter()
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect(),
        // An empty list carries no element kind on the wire.
        None | Some(Attr::IntList(_)) => Vec::new(),
        Some(other) => {
            return Err(Error::invalid_argument(format!(
                "attribute 'fused_ops' should be a list of strings, got {}",
                other.kind()
            )));
        }
    };
    let alpha = f64::from(node.attrs.float_or("leakyrelu_alpha", 0.2)?);
    let mut names = ops.iter().map(|s| s.as_str());
    let first = if batch_norm {
        "BiasAdd or FusedBatchNorm"
    } else {
        "BiasAdd"
    };
    let unsupported = |what: String| {
        Error::unimplemented(format!(
            "fused ops {what} are not supported (supported: {first} followed by Relu, Relu6, Elu or LeakyRelu)"
        ))
    };
    let args = match (names.next(), num_args) {
        (Some("BiasAdd"), 1) => FusedArgs::Bias,
        (Some("FusedBatchNorm"), 4) if batch_norm => FusedArgs::BatchNorm {
            epsilon: node.attrs.float_or("epsilon", 1e-4)?,
        },
        _ => return Err(unsupported(format!("{ops:?} with {num_args} argument(s)"))),
    };
    let activation = match names.next() {
        None => Activation::Identity,
        Some(name) => {
            Activation::from_name(name, alpha).ok_or_else(|| unsupported(format!("{ops:?}")))?
        }
    };
    if names.next().is_some() {
        return Err(unsupported(format!("{ops:?}")));
    }
    Ok((args, activation))
}

//! Sliding-window attributes and geometry shared by convolution and pooling
//! ops (NHWC): parsing and validating `strides`, `dilations`, `ksize`,
//! `padding`, `explicit_paddings` and `data_format` as TF does, and the
//! output size and leading padding of one spatial dim
//! (TF's `GetWindowedOutputSizeVerbose`).

use crate::kernel::EvalCtx;
use rayon::prelude::*;
use ward_graph::{AttrsExt, Node, PartialShape};
use ward_tensor::{Error, Result};

/// How a window op pads its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    Valid,
    Same,
    /// (before, after) for H and W.
    Explicit([(usize, usize); 2]),
}

/// Checks that `data_format` is NHWC, the only layout TF's CPU kernels of
/// these ops support.
pub fn require_nhwc(node: &Node, op: &str) -> Result<()> {
    let format = node.attrs.str_or("data_format", "NHWC")?;
    match format.as_str() {
        "NHWC" => Ok(()),
        "NCHW" => Err(Error::unimplemented(format!(
            "{op} only supports the NHWC data format on the CPU"
        ))),
        other => Err(Error::invalid_argument(format!(
            "invalid data_format '{other}'"
        ))),
    }
}

/// A 4-element int list attribute whose entries must all be positive.
pub fn positive4(node: &Node, name: &str, default: Option<&[i64]>) -> Result<[usize; 4]> {
    let values = match default {
        Some(d) => node.attrs.ints_or(name, d)?,
        None => node.attrs.ints_or(name, &[])?,
    };
    let [a, b, c, d] = values.as_slice() else {
        return Err(Error::invalid_argument(format!(
            "the {name} attribute must contain 4 values, but got {}",
            values.len()
        )));
    };
    let mut out = [0usize; 4];
    for (slot, &v) in out.iter_mut().zip([a, b, c, d]) {
        *slot = usize::try_from(v)
            .ok()
            .filter(|&v| v > 0)
            .ok_or_else(|| Error::invalid_argument(format!("{name} must be > 0, but got {v}")))?;
    }
    Ok(out)
}

/// Parses `padding` (VALID, SAME and, when `explicit_ok`, EXPLICIT with
/// `explicit_paddings` of 8 non-negative values, zero on N and C).
pub fn padding(node: &Node, explicit_ok: bool) -> Result<Padding> {
    let name = node.attrs.str_or("padding", "")?;
    let explicit = node.attrs.ints_or("explicit_paddings", &[])?;
    let padding = match name.as_str() {
        "VALID" => Padding::Valid,
        "SAME" => Padding::Same,
        "EXPLICIT" if explicit_ok => {
            let [n0, n1, t, b, l, r, c0, c1] = explicit.as_slice() else {
                return Err(Error::invalid_argument(format!(
                    "explicit_paddings attribute must contain 8 values, but got: {}",
                    explicit.len()
                )));
            };
            let mut v = [0usize; 8];
            for (slot, &p) in v.iter_mut().zip([n0, n1, t, b, l, r, c0, c1]) {
                *slot = usize::try_from(p).map_err(|_| {
                    Error::invalid_argument("All elements of explicit_paddings must be nonnegative")
                })?;
            }
            if [*n0, *n1, *c0, *c1] != [0, 0, 0, 0] {
                return Err(Error::unimplemented(
                    "explicit padding is not supported in the batch and depth dimensions",
                ));
            }
            let [_, _, t, b, l, r, _, _] = v;
            return Ok(Padding::Explicit([(t, b), (l, r)]));
        }
        other => {
            return Err(Error::invalid_argument(format!(
                "invalid padding '{other}'"
            )));
        }
    };
    if !explicit.is_empty() {
        return Err(Error::invalid_argument(
            "explicit_paddings attribute must be empty if the padding attribute is not EXPLICIT",
        ));
    }
    Ok(padding)
}

/// Output size and padding before of one spatial dim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dim {
    pub out: usize,
    pub pad_before: usize,
}

/// TF's windowed output size for one dim: input size `input`, window
/// `k` with dilation `d` and stride `s`; `axis` is 0 (H) or 1 (W).
pub fn output_dim(
    input: usize,
    k: usize,
    d: usize,
    s: usize,
    padding: Padding,
    axis: usize,
) -> Result<Dim> {
    let overflow = || Error::overflow("window size");
    // Effective window: (k - 1) * d + 1.
    let eff = k
        .checked_sub(1)
        .and_then(|v| v.checked_mul(d))
        .and_then(|v| v.checked_add(1))
        .ok_or_else(overflow)?;
    if s == 0 {
        return Err(Error::invalid_argument("Stride must be > 0"));
    }
    let negative = || {
        Error::invalid_argument(format!(
            "Negative dimension size caused by subtracting {eff} from {input}"
        ))
    };
    match padding {
        Padding::Valid => {
            let span = input.checked_sub(eff).ok_or_else(negative)?;
            Ok(Dim {
                out: span.checked_div(s).ok_or_else(overflow)?.saturating_add(1),
                pad_before: 0,
            })
        }
        Padding::Same => {
            let out = input.div_ceil(s);
            // pad_needed = max(0, (out - 1) * s + eff - input)
            let needed = out
                .saturating_sub(1)
                .checked_mul(s)
                .and_then(|v| v.checked_add(eff))
                .ok_or_else(overflow)?
                .saturating_sub(input);
            Ok(Dim {
                out,
                pad_before: needed.checked_div(2).ok_or_else(overflow)?,
            })
        }
        Padding::Explicit(pads) => {
            let (before, after) = pads.get(axis).copied().unwrap_or((0, 0));
            let padded = input
                .checked_add(before)
                .and_then(|v| v.checked_add(after))
                .ok_or_else(overflow)?;
            let span = padded.checked_sub(eff).ok_or_else(negative)?;
            Ok(Dim {
                out: span.checked_div(s).ok_or_else(overflow)?.saturating_add(1),
                pad_before: before,
            })
        }
    }
}

/// Like [`output_dim`] for a partially known input size.
pub fn output_dim_partial(
    input: Option<usize>,
    k: Option<usize>,
    d: usize,
    s: usize,
    padding: Padding,
    axis: usize,
) -> Result<Option<usize>> {
    match (input, k) {
        (Some(i), Some(k)) => Ok(Some(output_dim(i, k, d, s, padding, axis)?.out)),
        (Some(i), None) if padding == Padding::Same => Ok(Some(i.div_ceil(s.max(1)))),
        _ => Ok(None),
    }
}

/// The dims of a rank-`rank` value, or an error naming the rank it has.
pub fn dims_of_rank(shape: &PartialShape, rank: usize) -> Result<Option<Vec<Option<usize>>>> {
    match shape.dims() {
        None => Ok(None),
        Some(d) if d.len() == rank => Ok(Some(d.to_vec())),
        Some(d) => Err(Error::invalid_argument(format!(
            "Shape must be rank {rank} but is rank {}",
            d.len()
        ))),
    }
}

/// Converts a tensor index computed as `base + offset` where offset may be
/// negative (padding): `None` when outside `0..len`.
pub fn shifted(pos: usize, pad: usize, len: usize) -> Option<usize> {
    pos.checked_sub(pad).filter(|&v| v < len)
}

/// The attributes of a 2-D pooling op (MaxPool, AvgPool).
#[derive(Debug, Clone, Copy)]
pub struct Pool2d {
    pub ksize: [usize; 2],
    pub strides: [usize; 2],
    pub padding: Padding,
}

impl Pool2d {
    /// Parses `ksize`, `strides`, `padding` (EXPLICIT when `explicit_ok`)
    /// and `data_format`; windows over the batch or depth dims are rejected.
    pub fn parse(node: &Node, op: &str, explicit_ok: bool) -> Result<Self> {
        let [kn, kh, kw, kc] = positive4(node, "ksize", None)?;
        let [sn, sh, sw, sc] = positive4(node, "strides", None)?;
        let padding = padding(node, explicit_ok)?;
        require_nhwc(node, op)?;
        if kn != 1 || sn != 1 {
            return Err(Error::unimplemented(
                "Pooling is not yet supported on the batch dimension.",
            ));
        }
        if kc != 1 || sc != 1 {
            return Err(Error::unimplemented(format!(
                "{op} over the depth dimension is not supported"
            )));
        }
        Ok(Pool2d {
            ksize: [kh, kw],
            strides: [sh, sw],
            padding,
        })
    }

    /// Output shape for a partially known input.
    pub fn infer(&self, input: &PartialShape) -> Result<PartialShape> {
        let Some(d) = dims_of_rank(input, 4)? else {
            return Ok(PartialShape(Some(vec![None; 4])));
        };
        let at = |i: usize| d.get(i).copied().flatten();
        let [kh, kw] = self.ksize;
        let [sh, sw] = self.strides;
        let oh = output_dim_partial(at(1), Some(kh), 1, sh, self.padding, 0)?;
        let ow = output_dim_partial(at(2), Some(kw), 1, sw, self.padding, 1)?;
        Ok(PartialShape(Some(vec![at(0), oh, ow, at(3)])))
    }

    /// Output geometry for a concrete NHWC input.
    pub fn geometry(&self, dims: &[usize]) -> Result<PoolGeometry> {
        let [batch, in_h, in_w, channels] = dims else {
            return Err(Error::invalid_argument(format!(
                "Shape must be rank 4 but is rank {}",
                dims.len()
            )));
        };
        let [kh, kw] = self.ksize;
        let [sh, sw] = self.strides;
        let h = output_dim(*in_h, kh, 1, sh, self.padding, 0)?;
        let w = output_dim(*in_w, kw, 1, sw, self.padding, 1)?;
        Ok(PoolGeometry {
            batch: *batch,
            in_h: *in_h,
            in_w: *in_w,
            channels: *channels,
            out_h: h.out,
            out_w: w.out,
            pad_t: h.pad_before,
            pad_l: w.pad_before,
            ksize: self.ksize,
            strides: self.strides,
        })
    }
}

/// Shapes of one pooling evaluation.
#[derive(Debug, Clone, Copy)]
pub struct PoolGeometry {
    pub batch: usize,
    pub in_h: usize,
    pub in_w: usize,
    pub channels: usize,
    pub out_h: usize,
    pub out_w: usize,
    pub pad_t: usize,
    pub pad_l: usize,
    pub ksize: [usize; 2],
    pub strides: [usize; 2],
}

impl PoolGeometry {
    pub fn out_dims(&self) -> Vec<usize> {
        vec![self.batch, self.out_h, self.out_w, self.channels]
    }

    /// Calls `f(out_pixel, window, scratch)` for every output pixel, where
    /// `out_pixel` is the pixel's `channels` outputs and `window` the input
    /// pixels its window covers (padding left out). Output rows run in
    /// parallel on the run's pool, each with its own `scratch` (`len`
    /// copies of `fill`, allocated through the budget); the deadline is
    /// checked once per row.
    pub fn par_rows<T: Send, S: Clone + Send + Sync>(
        &self,
        ctx: &EvalCtx<'_>,
        out: &mut [T],
        (len, fill): (usize, S),
        f: impl Fn(&mut [T], &Window, &mut [S]) -> Result<()> + Sync,
    ) -> Result<()> {
        let [kh, kw] = self.ksize;
        let [sh, sw] = self.strides;
        let c = self.channels;
        let row_len = self
            .out_w
            .checked_mul(c)
            .ok_or_else(|| Error::overflow("pooling row"))?;
        if row_len == 0 || out.is_empty() {
            return Ok(());
        }
        let row = |(r, dst): (usize, &mut [T])| -> Result<()> {
            ctx.budget.check()?;
            let (mut scratch, _lease) = ctx.budget.alloc_vec(len, fill.clone(), "pooling sums")?;
            let oy = r.checked_rem(self.out_h).unwrap_or(0);
            let b = r.checked_div(self.out_h).unwrap_or(0);
            let rows = clip(oy.saturating_mul(sh), kh, self.pad_t, self.in_h);
            for (ox, px) in dst.chunks_mut(c).enumerate() {
                let window = Window {
                    first_row: b.saturating_mul(self.in_h),
                    in_w: self.in_w,
                    rows: rows.clone(),
                    cols: clip(ox.saturating_mul(sw), kw, self.pad_l, self.in_w),
                };
                f(px, &window, &mut scratch)?;
            }
            Ok(())
        };
        if ctx.threads() > 1 && out.len() >= 1 << 14 {
            ctx.pool
                .install(|| out.par_chunks_mut(row_len).enumerate().try_for_each(row))
        } else {
            out.chunks_mut(row_len).enumerate().try_for_each(row)
        }
    }
}

/// The input pixels one pooling window covers.
#[derive(Debug, Clone)]
pub struct Window {
    first_row: usize,
    in_w: usize,
    pub rows: std::ops::Range<usize>,
    pub cols: std::ops::Range<usize>,
}

impl Window {
    /// Flat input pixel indices (N·H·W order) of the window.
    pub fn pixels(&self) -> impl Iterator<Item = usize> + '_ {
        self.rows.clone().flat_map(move |iy| {
            let row = self.first_row.saturating_add(iy).saturating_mul(self.in_w);
            self.cols.clone().map(move |ix| row.saturating_add(ix))
        })
    }
    /// How many input pixels the window covers.
    pub fn count(&self) -> usize {
        self.rows.len().saturating_mul(self.cols.len())
    }
}

/// The input positions a window starting at padded position `start` with
/// size `k` covers, for an input of `len` with `pad` before it.
pub fn clip(start: usize, k: usize, pad: usize, len: usize) -> std::ops::Range<usize> {
    let lo = start.max(pad).saturating_sub(pad);
    let hi = start
        .saturating_add(k)
        .min(pad.saturating_add(len))
        .saturating_sub(pad);
    lo..hi.max(lo)
}

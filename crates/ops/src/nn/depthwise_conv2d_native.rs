//! DepthwiseConv2dNative: each input channel convolved with its own
//! `channel_multiplier` filters (filter `[fh, fw, in_depth, multiplier]`),
//! output depth `in_depth * multiplier`, NHWC.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/DepthwiseConv2dNative>
//!
//! Output rows are computed in parallel, each zeroed just before (in
//! cache). On AVX-512 CPUs f32 rows (multiplier 1, a clamp activation) run
//! on `kernels::depthwise`: the pixels whose taps are all inside the image
//! at once, each edge pixel alone with only its taps inside the image (a
//! narrower filter). Otherwise each output pixel is summed in
//! blocks of 64 channels held in registers across all its taps (only the
//! taps inside the image, so padding costs nothing), compiled for the
//! CPU's widest vectors, then finished by the epilogue (bias and activation
//! for `_FusedDepthwiseConv2dNative`) before it is stored once.

// Arithmetic here is on float element values, never on sizes.
#![allow(clippy::arithmetic_side_effects)]

use crate::kernels::depthwise;
use crate::kernels::uninit::{OutputVec, Uninit, block_writer};
use crate::prelude::*;
use crate::util::epilogue::{Activation, Epilogue};
use crate::util::float::{Float, Wide};
use crate::util::simd;
use crate::util::window::{
    Padding, dims_of_rank, output_dim, output_dim_partial, padding, positive4, require_nhwc,
};

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "DepthwiseConv2dNative",
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", FLOAT)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
pub(crate) struct Depthwise {
    stride: usize,
    padding: Padding,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Depthwise::new(node)?))
}

impl Depthwise {
    pub(crate) fn new(node: &Node) -> Result<Depthwise> {
        let [sn, sh, sw, sc] = positive4(node, "strides", None)?;
        let dilations = positive4(node, "dilations", Some(&[1, 1, 1, 1]))?;
        let padding = padding(node, true)?;
        require_nhwc(node, "DepthwiseConv2dNative")?;
        if sn != 1 || sc != 1 {
            return Err(Error::invalid_argument(
                "Current implementation does not yet support strides in the batch and depth dimensions.",
            ));
        }
        if sh != sw {
            return Err(Error::invalid_argument(
                "Current implementation only supports equal length strides in the row and column dimensions.",
            ));
        }
        if dilations != [1, 1, 1, 1] {
            return Err(Error::unimplemented(
                "Current kernel implementation does not support dilations",
            ));
        }
        Ok(Depthwise {
            stride: sh,
            padding,
        })
    }
}

#[derive(Debug, Clone, Copy)]
struct Geometry {
    batch: usize,
    in_h: usize,
    in_w: usize,
    in_c: usize,
    k_h: usize,
    k_w: usize,
    mult: usize,
    out_h: usize,
    out_w: usize,
    pad_t: usize,
    pad_l: usize,
}

fn check_channels(in_c: usize, k_c: usize) -> Result<()> {
    if in_c != k_c {
        return Err(Error::invalid_argument(format!(
            "Dimensions must be equal, but are {in_c} and {k_c}"
        )));
    }
    Ok(())
}

impl Depthwise {
    fn geometry(&self, input: &[usize], filter: &[usize]) -> Result<Geometry> {
        let ([batch, in_h, in_w, in_c], [k_h, k_w, k_c, mult]) = (input, filter) else {
            return Err(Error::invalid_argument(format!(
                "DepthwiseConv2dNative input and filter must be rank 4, got ranks {} and {}",
                input.len(),
                filter.len()
            )));
        };
        check_channels(*in_c, *k_c)?;
        let h = output_dim(*in_h, *k_h, 1, self.stride, self.padding, 0)?;
        let w = output_dim(*in_w, *k_w, 1, self.stride, self.padding, 1)?;
        Ok(Geometry {
            batch: *batch,
            in_h: *in_h,
            in_w: *in_w,
            in_c: *in_c,
            k_h: *k_h,
            k_w: *k_w,
            mult: *mult,
            out_h: h.out,
            out_w: w.out,
            pad_t: h.pad_before,
            pad_l: w.pad_before,
        })
    }
}

impl Kernel for Depthwise {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        self.infer_output(inputs)
    }

    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        self.eval_plain(ctx, inputs)
    }
}

impl Depthwise {
    pub(crate) fn infer_output(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        let (Some(x), Some(f)) = (inputs.first(), inputs.get(1)) else {
            return Err(Error::invalid_argument("expected 2 inputs"));
        };
        let xd = dims_of_rank(&x.shape, 4)?;
        let fd = dims_of_rank(&f.shape, 4)?;
        let at = |d: &Option<Vec<Option<usize>>>, i: usize| {
            d.as_ref().and_then(|d| d.get(i).copied().flatten())
        };
        if let (Some(c), Some(kc)) = (at(&xd, 3), at(&fd, 2)) {
            check_channels(c, kc)?;
        }
        let oh = output_dim_partial(at(&xd, 1), at(&fd, 0), 1, self.stride, self.padding, 0)?;
        let ow = output_dim_partial(at(&xd, 2), at(&fd, 1), 1, self.stride, self.padding, 1)?;
        let oc = match (at(&xd, 3).or(at(&fd, 2)), at(&fd, 3)) {
            (Some(c), Some(m)) => Some(
                c.checked_mul(m)
                    .ok_or_else(|| Error::overflow("output depth"))?,
            ),
            _ => None,
        };
        Ok(vec![ValueInfo::of_opt(
            x.dtype.or(f.dtype),
            PartialShape(Some(vec![at(&xd, 0), oh, ow, oc])),
        )])
    }

    fn eval_plain(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x, f] = take(inputs)?;
        if x.dtype() != f.dtype() {
            return Err(Error::invalid_argument(format!(
                "input and filter have different types: {} and {}",
                x.dtype(),
                f.dtype()
            )));
        }
        let none = Activation::Identity;
        with_float!(x.dtype(), T => one(self.compute::<T>(ctx, &x, &f, &Epilogue { bias: None, activation: none })?))
    }
}

/// Output channels accumulated together in registers (four AVX-512 or
/// eight AVX2 vectors of f32).
const BLOCK: usize = 64;

impl Depthwise {
    /// The convolution of `x` by `f` followed by `epilogue`.
    pub(crate) fn compute<T: Float>(
        &self,
        ctx: &EvalCtx<'_>,
        x: &Tensor,
        f: &Tensor,
        epilogue: &Epilogue<'_, T>,
    ) -> Result<Tensor> {
        let g = self.geometry(x.dims(), f.dims())?;
        self.run::<T>(ctx, &g, x, f, epilogue)
    }

    fn run<T: Float>(
        &self,
        ctx: &EvalCtx<'_>,
        g: &Geometry,
        x: &Tensor,
        f: &Tensor,
        epilogue: &Epilogue<'_, T>,
    ) -> Result<Tensor> {
        let overflow = || Error::overflow("DepthwiseConv2dNative size");
        let out_c = g.in_c.checked_mul(g.mult).ok_or_else(overflow)?;
        if let Some(bias) = epilogue.bias
            && bias.len() != out_c
        {
            return Err(Error::invalid_argument(format!(
                "bias has {} values but the output depth is {out_c}",
                bias.len()
            )));
        }
        let shape = Shape::new(vec![g.batch, g.out_h, g.out_w, out_c])?;
        let len = shape.num_elements()?;
        let row_len = g.out_w.checked_mul(out_c).ok_or_else(overflow)?;
        if len == 0 || row_len == 0 {
            let (out, lease) = ctx
                .budget
                .alloc_empty::<T>(0, "DepthwiseConv2dNative output")?;
            return Tensor::from_vec(shape, out, Some(lease));
        }
        let (out, lease) = ctx
            .budget
            .alloc_empty::<T>(len, "DepthwiseConv2dNative output")?;
        let out = OutputVec::new(out, len)?;
        // Every input pixel and filter tap is a whole slice of the buffers.
        let in_len = g
            .batch
            .checked_mul(g.in_h)
            .and_then(|v| v.checked_mul(g.in_w))
            .and_then(|v| v.checked_mul(g.in_c))
            .ok_or_else(overflow)?;
        let f_len = g
            .k_h
            .checked_mul(g.k_w)
            .and_then(|v| v.checked_mul(out_c))
            .ok_or_else(overflow)?;
        let xs = x.as_slice::<T>()?.get(..in_len).ok_or_else(overflow)?;
        let fs = f.as_slice::<T>()?.get(..f_len).ok_or_else(overflow)?;
        // Rows are written through `&mut [T]` (kernel, tiles, single
        // pixels), so each is zeroed first: just before it is computed,
        // while in cache, not in a pass over the whole output.
        let row = block_writer(|r: usize, block: Uninit<'_, T>| {
            ctx.budget.check()?;
            let mut row = block.fill(T::default());
            simd::vectorized(OutputRow {
                g,
                stride: self.stride,
                out_c,
                xs,
                fs,
                epilogue,
                row: r,
                dst: row.values(),
            });
            Ok(row)
        });
        let out = if ctx.threads() > 1 && len >= 1 << 14 {
            ctx.pool.install(|| out.par_init_blocks(row_len, row))?
        } else {
            out.init_blocks(row_len, row)?
        };
        Tensor::from_vec(shape, out, Some(lease))
    }
}

/// One output row (all its pixels), the unit of work a thread takes.
struct OutputRow<'a, 'e, T: Float> {
    g: &'a Geometry,
    stride: usize,
    out_c: usize,
    xs: &'a [T],
    fs: &'a [T],
    epilogue: &'a Epilogue<'e, T>,
    row: usize,
    dst: &'a mut [T],
}

impl<T: Float> simd::WithSimd for OutputRow<'_, '_, T> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: simd::Simd>(self, _: S) {
        let OutputRow {
            g,
            stride: s,
            out_c,
            xs,
            fs,
            epilogue,
            row,
            dst,
        } = self;
        let oy = row.checked_rem(g.out_h).unwrap_or(0);
        let image = row.checked_div(g.out_h).unwrap_or(0).saturating_mul(g.in_h);
        let rows = taps(oy.saturating_mul(s), g.pad_t, g.k_h, g.in_h);
        // Input offset of the first value of the image row under tap row
        // `kh`.
        let row_start = |kh: usize| {
            let iy = oy
                .saturating_mul(s)
                .saturating_add(kh)
                .saturating_sub(g.pad_t);
            image
                .saturating_add(iy)
                .saturating_mul(g.in_w)
                .saturating_mul(g.in_c)
        };
        let pixel_at = |ox: usize, kh: usize, kw: usize| {
            let ix = ox
                .saturating_mul(s)
                .saturating_add(kw)
                .saturating_sub(g.pad_l);
            let filter = kh.saturating_mul(g.k_w).saturating_add(kw);
            (
                row_start(kh).saturating_add(ix.saturating_mul(g.in_c)),
                filter.saturating_mul(out_c),
            )
        };
        let input_row = |kh: usize| {
            xs.get(row_start(kh)..row_start(kh).saturating_add(g.in_w.saturating_mul(g.in_c)))
        };
        // The filter row of `kh` from tap `first` on.
        let filter_row = |kh: usize, first: usize| {
            let start = kh
                .saturating_mul(g.k_w)
                .saturating_add(first)
                .saturating_mul(out_c);
            let end = kh
                .saturating_add(1)
                .saturating_mul(g.k_w)
                .saturating_mul(out_c);
            fs.get(start..end)
        };
        // Pixels whose every column tap is inside the image, computed
        // TILE at a time so each filter vector loaded serves TILE pixels.
        let interior = interior_columns(g, s);
        let span = interior.start.saturating_mul(out_c)..interior.end.saturating_mul(out_c);
        let fast = g.mult == 1
            && dst.get_mut(span).is_some_and(|span| {
                let first_col = interior.start.saturating_mul(s).saturating_sub(g.pad_l);
                interior_f32(
                    &rows,
                    first_col,
                    s,
                    g.k_w,
                    out_c,
                    input_row,
                    |kh| filter_row(kh, 0),
                    epilogue,
                    span,
                )
            });
        let mut ox = 0usize;
        let mut rest: &mut [T] = dst;
        while ox < g.out_w {
            if fast && ox == interior.start {
                let width = interior.len();
                let Some((_, tail)) =
                    std::mem::take(&mut rest).split_at_mut_checked(out_c.saturating_mul(width))
                else {
                    return;
                };
                rest = tail;
                ox = interior.end;
                continue;
            }
            let tiled =
                g.mult == 1 && interior.contains(&ox) && interior.end.saturating_sub(ox) >= TILE;
            let width = if tiled { TILE } else { 1 };
            let Some((span, tail)) =
                std::mem::take(&mut rest).split_at_mut_checked(out_c.saturating_mul(width))
            else {
                return;
            };
            rest = tail;
            if tiled {
                let tap = |p: usize, kh: usize, kw: usize| pixel_at(ox.saturating_add(p), kh, kw);
                tile_mult1(xs, fs, span, out_c, rows.clone(), g.k_w, &tap, epilogue);
                ox = ox.saturating_add(width);
                continue;
            }
            let cols = taps(ox.saturating_mul(s), g.pad_l, g.k_w, g.in_w);
            // An edge pixel on the same kernel: only its taps inside the
            // image, as a narrower filter starting at its first one.
            let on_kernel = fast
                && interior_f32(
                    &rows,
                    ox.saturating_mul(s)
                        .saturating_add(cols.start)
                        .saturating_sub(g.pad_l),
                    s,
                    cols.len(),
                    out_c,
                    input_row,
                    |kh| filter_row(kh, cols.start),
                    epilogue,
                    span,
                );
            if !on_kernel {
                let tap = |kh: usize, kw: usize| pixel_at(ox, kh, kw);
                if g.mult == 1 {
                    pixel_mult1(xs, fs, span, rows.clone(), cols, &tap, epilogue);
                } else {
                    pixel_general(xs, fs, span, g.mult, rows.clone(), cols, &tap, epilogue);
                }
            }
            ox = ox.saturating_add(width);
        }
    }
}

/// Filter rows the AVX-512 interior kernel takes (taller filters use the
/// generic loop).
const MAX_FAST_ROWS: usize = 8;

/// An output row's interior pixels by the f32 AVX-512 kernel. False when
/// it does not apply (another type or activation, no AVX-512, a tall
/// filter) and `span` is untouched.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn interior_f32<'a, T: Float>(
    rows: &std::ops::Range<usize>,
    first_col: usize,
    stride: usize,
    k_w: usize,
    channels: usize,
    input_row: impl Fn(usize) -> Option<&'a [T]>,
    filter_row: impl Fn(usize) -> Option<&'a [T]>,
    epilogue: &Epilogue<'_, T>,
    span: &mut [T],
) -> bool {
    let Some((lo, hi)) = epilogue.activation.clamp() else {
        return false;
    };
    let bias = match epilogue.bias {
        Some(b) => match T::as_f32(b) {
            Some(b) => Some(b),
            None => return false,
        },
        None => None,
    };
    let Some(out) = T::as_f32_mut(span) else {
        return false;
    };
    if rows.len() > MAX_FAST_ROWS || !depthwise::available() {
        return false;
    }
    let mut taps = [depthwise::TapRow {
        input: &[],
        filter: &[],
    }; MAX_FAST_ROWS];
    for (slot, kh) in taps.iter_mut().zip(rows.clone()) {
        let row = input_row(kh).and_then(T::as_f32);
        let filter = filter_row(kh).and_then(T::as_f32);
        let (Some(input), Some(filter)) = (row, filter) else {
            return false;
        };
        *slot = depthwise::TapRow { input, filter };
    }
    let Some(taps) = taps.get(..rows.len()) else {
        return false;
    };
    depthwise::interior(
        &depthwise::Interior {
            rows: taps,
            channels,
            k_w,
            stride,
            first_col,
            bias,
            lo,
            hi,
        },
        out,
    )
}

/// Output pixels computed together by [`tile_mult1`].
const TILE: usize = 4;

/// `TILE` neighbouring output pixels (channel multiplier 1, every column
/// tap inside the image): for each channel block, the block's filter
/// vector of each tap is loaded once and used for all `TILE` pixels.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn tile_mult1<T: Float>(
    xs: &[T],
    fs: &[T],
    span: &mut [T],
    channels: usize,
    rows: std::ops::Range<usize>,
    k_w: usize,
    tap: &impl Fn(usize, usize, usize) -> (usize, usize),
    epilogue: &Epilogue<'_, T>,
) {
    let full = channels.saturating_sub(channels % TILE_BLOCK);
    let mut c0 = 0usize;
    while c0 < full {
        let acc = tile_block::<T, TILE_BLOCK>(xs, fs, channels, c0, &rows, k_w, tap);
        store_tile(epilogue, &acc, span, channels, c0);
        c0 = c0.saturating_add(TILE_BLOCK);
    }
    let mid = channels.saturating_sub(channels % TAIL);
    while c0 < mid {
        let acc = tile_block::<T, TAIL>(xs, fs, channels, c0, &rows, k_w, tap);
        store_tile(epilogue, &acc, span, channels, c0);
        c0 = c0.saturating_add(TAIL);
    }
    while c0 < channels {
        let acc = tile_block::<T, 1>(xs, fs, channels, c0, &rows, k_w, tap);
        store_tile(epilogue, &acc, span, channels, c0);
        c0 = c0.saturating_add(1);
    }
}

/// Channels per block in a tile: with `TILE` pixels, 8 AVX-512 (16 AVX2)
/// accumulators.
const TILE_BLOCK: usize = 32;

#[inline(always)]
fn store_tile<T: Float, const N: usize>(
    epilogue: &Epilogue<'_, T>,
    acc: &[[T::Wide; N]; TILE],
    span: &mut [T],
    channels: usize,
    c0: usize,
) {
    for (sums, pixel) in acc.iter().zip(span.chunks_mut(channels.max(1))) {
        if let Some(out) = pixel.get_mut(c0..).and_then(|p| p.get_mut(..N)) {
            epilogue.store(sums, c0, out);
        }
    }
}

/// The sums of channels `c0..c0 + N` of `TILE` pixels over all taps.
#[inline(always)]
fn tile_block<T: Float, const N: usize>(
    xs: &[T],
    fs: &[T],
    channels: usize,
    c0: usize,
    rows: &std::ops::Range<usize>,
    k_w: usize,
    tap: &impl Fn(usize, usize, usize) -> (usize, usize),
) -> [[T::Wide; N]; TILE] {
    let mut acc = [[T::Wide::ZERO_W; N]; TILE];
    // Offsets advance by whole pixels: no index arithmetic per load beyond
    // one add (the loads themselves are bounds-checked).
    let pixel_step = tap(1, rows.start, 0)
        .0
        .wrapping_sub(tap(0, rows.start, 0).0);
    for kh in rows.clone() {
        let (x_row, f_row) = tap(0, kh, 0);
        let mut x_tap = x_row.wrapping_add(c0);
        let mut f_tap = f_row.wrapping_add(c0);
        for _ in 0..k_w {
            if let Some(wv) = fs.get(f_tap..).and_then(|v| v.first_chunk::<N>()) {
                let mut x_pixel = x_tap;
                for acc in acc.iter_mut() {
                    if let Some(xv) = xs.get(x_pixel..).and_then(|v| v.first_chunk::<N>()) {
                        for ((a, &v), &w) in acc.iter_mut().zip(xv).zip(wv) {
                            *a = v.widen().mul_add(w.widen(), *a);
                        }
                    }
                    x_pixel = x_pixel.wrapping_add(pixel_step);
                }
            }
            x_tap = x_tap.wrapping_add(channels);
            f_tap = f_tap.wrapping_add(channels);
        }
    }
    acc
}

/// Output columns whose taps all fall inside the input row.
fn interior_columns(g: &Geometry, s: usize) -> std::ops::Range<usize> {
    // ox·s ≥ pad_l  and  ox·s + k_w ≤ in_w + pad_l
    let lo = g.pad_l.div_ceil(s.max(1));
    let hi = match g.in_w.saturating_add(g.pad_l).checked_sub(g.k_w) {
        Some(last) => last.checked_div(s).map_or(0, |v| v.saturating_add(1)),
        None => 0,
    };
    lo..hi.min(g.out_w).max(lo)
}

/// The filter taps `k` whose input position `start + k - pad` lies inside
/// `0..size` (a contiguous range, since positions grow with `k`).
fn taps(start: usize, pad: usize, kernel: usize, size: usize) -> std::ops::Range<usize> {
    let first = pad.saturating_sub(start).min(kernel);
    // start + k - pad < size  <=>  k < size + pad - start
    let end = size
        .saturating_add(pad)
        .saturating_sub(start)
        .min(kernel)
        .max(first);
    first..end
}

/// One output pixel with channel multiplier 1: each block of channels is
/// summed over the pixel's taps in registers, then stored once through the
/// epilogue. Full blocks of `BLOCK`, then of `TAIL`, then single channels.
#[inline(always)]
fn pixel_mult1<T: Float>(
    xs: &[T],
    fs: &[T],
    px: &mut [T],
    rows: std::ops::Range<usize>,
    cols: std::ops::Range<usize>,
    tap: &impl Fn(usize, usize) -> (usize, usize),
    epilogue: &Epilogue<'_, T>,
) {
    let (wide, rest) = px.split_at_mut(px.len().saturating_sub(px.len() % BLOCK));
    for (i, block) in wide.chunks_exact_mut(BLOCK).enumerate() {
        let c0 = i.saturating_mul(BLOCK);
        let acc = channel_block::<T, BLOCK>(xs, fs, c0, &rows, &cols, tap);
        epilogue.store(&acc, c0, block);
    }
    let base = wide.len();
    let (mid, last) = rest.split_at_mut(rest.len().saturating_sub(rest.len() % TAIL));
    for (i, block) in mid.chunks_exact_mut(TAIL).enumerate() {
        let c0 = base.saturating_add(i.saturating_mul(TAIL));
        let acc = channel_block::<T, TAIL>(xs, fs, c0, &rows, &cols, tap);
        epilogue.store(&acc, c0, block);
    }
    let base = base.saturating_add(mid.len());
    for (i, out) in last.chunks_exact_mut(1).enumerate() {
        let c0 = base.saturating_add(i);
        let acc = channel_block::<T, 1>(xs, fs, c0, &rows, &cols, tap);
        epilogue.store(&acc, c0, out);
    }
}

/// Smaller channel blocks for depths that are not a multiple of `BLOCK`.
const TAIL: usize = 16;

/// The sums of channels `c0..c0 + N` over the taps `rows × cols`.
#[inline(always)]
fn channel_block<T: Float, const N: usize>(
    xs: &[T],
    fs: &[T],
    c0: usize,
    rows: &std::ops::Range<usize>,
    cols: &std::ops::Range<usize>,
    tap: &impl Fn(usize, usize) -> (usize, usize),
) -> [T::Wide; N] {
    let mut acc = [T::Wide::ZERO_W; N];
    for kh in rows.clone() {
        for kw in cols.clone() {
            let (input, filter) = tap(kh, kw);
            let xv = xs
                .get(input.saturating_add(c0)..)
                .and_then(|v| v.first_chunk::<N>());
            let wv = fs
                .get(filter.saturating_add(c0)..)
                .and_then(|v| v.first_chunk::<N>());
            if let (Some(xv), Some(wv)) = (xv, wv) {
                for ((a, &v), &w) in acc.iter_mut().zip(xv).zip(wv) {
                    *a = v.widen().mul_add(w.widen(), *a);
                }
            }
        }
    }
    acc
}

/// One output pixel with channel multiplier > 1: output channel `o` reads
/// input channel `o / mult`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn pixel_general<T: Float>(
    xs: &[T],
    fs: &[T],
    px: &mut [T],
    mult: usize,
    rows: std::ops::Range<usize>,
    cols: std::ops::Range<usize>,
    tap: &impl Fn(usize, usize) -> (usize, usize),
    epilogue: &Epilogue<'_, T>,
) {
    let mut o0 = 0usize;
    for block in px.chunks_mut(BLOCK) {
        let width = block.len();
        let mut acc = [T::Wide::ZERO_W; BLOCK];
        for kh in rows.clone() {
            for kw in cols.clone() {
                let (input, filter) = tap(kh, kw);
                let Some(wv) = fs
                    .get(filter.saturating_add(o0)..)
                    .and_then(|v| v.get(..width))
                else {
                    continue;
                };
                for (j, (a, &w)) in acc.iter_mut().zip(wv).enumerate() {
                    let c = o0.saturating_add(j).checked_div(mult).unwrap_or(0);
                    if let Some(&v) = xs.get(input.saturating_add(c)) {
                        *a = *a + v.widen() * w.widen();
                    }
                }
            }
        }
        epilogue.store(&acc, o0, block);
        o0 = o0.saturating_add(width);
    }
}

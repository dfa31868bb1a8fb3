//! Conv2D: 2-D convolution of an NHWC input with an HWIO filter, with
//! strides, dilations, SAME/VALID/EXPLICIT padding and grouped filters
//! (input depth a multiple of the filter's input depth).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Conv2D>
//!
//! Computed as im2col + GEMM: blocks of output pixels have their receptive
//! fields gathered (in parallel on the run's pool) into a patch matrix of
//! `pixels × (fh·fw·in_depth)` rows, which multiplies the filter viewed as
//! a `(fh·fw·in_depth) × out_depth` matrix straight into the output. A 1×1
//! filter with stride 1 and no padding is a single GEMM on the input. f32
//! on AVX-512 CPUs uses `kernels::sgemm`, which also applies the fused
//! bias and Relu/Relu6, reads a constant filter packed at load, and for
//! short filter rows (few input channels) reads the patches in place from
//! the padded input instead of gathering them; otherwise the `gemm` crate,
//! then the epilogue.

use crate::kernels::gemm::GemmShape;
use crate::kernels::sgemm::Indexed;
use crate::kernels::uninit::{OutputVec, Uninit, Written, block_writer};
use crate::prelude::*;
use crate::util::matmul::{BiasClamp, FusedProduct, MatMulElement, PackedWeights};
use crate::util::window::{
    Padding, dims_of_rank, output_dim, output_dim_partial, padding, positive4, require_nhwc,
    shifted,
};
use rayon::prelude::*;
use ward_tensor::DType::{BF16, F16, F32, F64, I32};

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Conv2D",
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", &[F16, BF16, F32, F64, I32])],
        capability: Capability::Pure,
    },
    build,
};

/// Filter rows (`k_w · k_c` values) at most this long are read in place
/// by the product rather than gathered: copying such short spans costs
/// more per pixel than the product itself (a 3×3 filter over RGB: 3.5×
/// faster on a 32×32 image, 1.5× on 224×224). Longer rows gather faster
/// (3×3 over 32 channels: 0.33 ms gathered, 0.44 ms read in place).
const IMPLICIT_MAX_ROW: usize = 24;

/// Output pixels whose patches one task gathers.
const GATHER_TASK_PIXELS: usize = 256;

/// Patch-matrix elements gathered per block (bounds the scratch buffer).
const BLOCK_ELEMENTS: usize = 1 << 20;

#[derive(Debug)]
pub(crate) struct Conv2D {
    strides: [usize; 2],
    dilations: [usize; 2],
    padding: Padding,
    /// A constant filter packed at load for the fused product.
    packed: Option<PackedWeights>,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Conv2D::new(node)?))
}

/// What a fused convolution does to each finished block of output rows
/// (whole pixels, `out_depth` values each) while it is still in cache.
#[derive(Clone, Copy)]
pub(crate) struct Finish<'a, T> {
    /// Applies the epilogue in place.
    pub apply: &'a (dyn Fn(&mut [T]) + Sync),
    /// The same epilogue as a bias and clamp bounds, when its activation
    /// is a clamp: the fused f32 kernel applies it before storing.
    pub bias: Option<&'a [T]>,
    pub clamp: Option<(f32, f32)>,
}

/// The bias and clamp the fused f32 product applies in place of `finish`
/// (none needed: an unbounded clamp), or None when it cannot.
fn fused_epilogue<'a, T: MatMulElement>(finish: Option<Finish<'a, T>>) -> Option<BiasClamp<'a, T>> {
    if !T::has_fused_product() {
        return None;
    }
    match finish {
        None => Some((None, (f32::NEG_INFINITY, f32::INFINITY))),
        Some(f) => f.clamp.map(|clamp| (f.bias, clamp)),
    }
}

/// The filter as a `k × out_depth` matrix, and its copy packed at load.
#[derive(Clone, Copy)]
struct Filter<'a, T> {
    values: &'a [T],
    packed: Option<&'a [T]>,
}

/// The patch matrix: dense rows, or read through tables from the input.
#[derive(Clone, Copy)]
struct Patches<'a, T> {
    values: &'a [T],
    index: Option<Indexed<'a>>,
}

impl<'a, T> Patches<'a, T> {
    fn dense(values: &'a [T]) -> Self {
        Patches {
            values,
            index: None,
        }
    }
}

/// `a · filter` with the fused epilogue into `c`, or `c` back untouched.
fn fused_product<'a, T: MatMulElement>(
    ctx: &EvalCtx<'_>,
    fused: Option<BiasClamp<'_, T>>,
    (m, n, k): (usize, usize, usize),
    a: Patches<'_, T>,
    filter: Filter<'_, T>,
    c: Uninit<'a, T>,
) -> std::result::Result<Result<Written<'a, T>>, Uninit<'a, T>> {
    let Some((bias, (lo, hi))) = fused else {
        return Err(c);
    };
    T::fused_product_into(
        ctx.pool,
        ctx.budget,
        &FusedProduct {
            m,
            n,
            k,
            a: a.values,
            b: filter.values,
            bias,
            lo,
            hi,
            prepacked: filter.packed,
            a_index: a.index,
        },
        c,
    )
}

/// Output elements per pointwise GEMM when an epilogue follows, so the
/// block is still in L2 when the epilogue runs.
const EPILOGUE_BLOCK_ELEMENTS: usize = 1 << 16;

impl Conv2D {
    pub(crate) fn new(node: &Node) -> Result<Conv2D> {
        let [sn, sh, sw, sc] = positive4(node, "strides", None)?;
        let [dn, dh, dw, dc] = positive4(node, "dilations", Some(&[1, 1, 1, 1]))?;
        let padding = padding(node, true)?;
        require_nhwc(node, "Conv2D")?;
        if sn != 1 || sc != 1 {
            return Err(Error::invalid_argument(
                "Current implementation does not yet support strides in the batch and depth dimensions.",
            ));
        }
        if dn != 1 || dc != 1 {
            return Err(Error::invalid_argument(
                "Current implementation does not yet support dilations in the batch and depth dimensions.",
            ));
        }
        Ok(Conv2D {
            strides: [sh, sw],
            dilations: [dh, dw],
            padding,
            packed: None,
        })
    }

    /// Packs a constant HWIO filter for the fused product.
    pub(crate) fn prepare_filter(&mut self, filter: Option<&Tensor>, room: &mut usize) {
        let Some(filter) = filter else { return };
        let &[h, w, in_c, out_c] = filter.dims() else {
            return;
        };
        let k = h.checked_mul(w).and_then(|v| v.checked_mul(in_c));
        self.packed = k.and_then(|k| PackedWeights::new(filter, k, out_c, room));
    }
}

/// Everything about one convolution's shapes.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    batch: usize,
    in_h: usize,
    in_w: usize,
    in_c: usize,
    k_h: usize,
    k_w: usize,
    /// Filter input depth (per group).
    k_c: usize,
    out_c: usize,
    groups: usize,
    out_h: usize,
    out_w: usize,
    pad_t: usize,
    pad_l: usize,
}

fn check_depths(in_c: usize, k_c: usize, out_c: usize) -> Result<usize> {
    if k_c == 0 || !in_c.is_multiple_of(k_c) {
        return Err(Error::invalid_argument(format!(
            "Depth of input ({in_c}) is not a multiple of input depth of filter ({k_c})"
        )));
    }
    let groups = in_c.checked_div(k_c).unwrap_or(1);
    if !out_c.is_multiple_of(groups) {
        return Err(Error::invalid_argument(format!(
            "Depth of output ({out_c}) is not a multiple of the number of groups ({groups})"
        )));
    }
    Ok(groups)
}

impl Conv2D {
    fn geometry(&self, input: &[usize], filter: &[usize]) -> Result<Geometry> {
        let ([batch, in_h, in_w, in_c], [k_h, k_w, k_c, out_c]) = (input, filter) else {
            return Err(Error::invalid_argument(format!(
                "Conv2D input and filter must be rank 4, got ranks {} and {}",
                input.len(),
                filter.len()
            )));
        };
        let groups = check_depths(*in_c, *k_c, *out_c)?;
        let [sh, sw] = self.strides;
        let [dh, dw] = self.dilations;
        let h = output_dim(*in_h, *k_h, dh, sh, self.padding, 0)?;
        let w = output_dim(*in_w, *k_w, dw, sw, self.padding, 1)?;
        Ok(Geometry {
            batch: *batch,
            in_h: *in_h,
            in_w: *in_w,
            in_c: *in_c,
            k_h: *k_h,
            k_w: *k_w,
            k_c: *k_c,
            out_c: *out_c,
            groups,
            out_h: h.out,
            out_w: w.out,
            pad_t: h.pad_before,
            pad_l: w.pad_before,
        })
    }
}

impl Kernel for Conv2D {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        self.infer_output(inputs)
    }

    fn prepare(&mut self, constants: &[Option<&Tensor>], room: &mut usize) {
        self.prepare_filter(constants.get(1).copied().flatten(), room);
    }

    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x, f] = take(inputs)?;
        if x.dtype() != f.dtype() {
            return Err(Error::invalid_argument(format!(
                "Conv2D input and filter have different types: {} and {}",
                x.dtype(),
                f.dtype()
            )));
        }
        match x.dtype() {
            DType::F32 => one(self.compute::<f32>(ctx, &x, &f, None)?),
            DType::F64 => one(self.compute::<f64>(ctx, &x, &f, None)?),
            DType::F16 => one(self.compute::<f16>(ctx, &x, &f, None)?),
            DType::BF16 => one(self.compute::<bf16>(ctx, &x, &f, None)?),
            DType::I32 => one(self.compute::<i32>(ctx, &x, &f, None)?),
            other => Err(Error::invalid_argument(format!(
                "Conv2D does not support {other}"
            ))),
        }
    }
}

impl Conv2D {
    pub(crate) fn infer_output(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        let (Some(x), Some(f)) = (inputs.first(), inputs.get(1)) else {
            return Err(Error::invalid_argument("expected 2 inputs"));
        };
        let dtype = x.dtype.or(f.dtype);
        let xd = dims_of_rank(&x.shape, 4)?;
        let fd = dims_of_rank(&f.shape, 4)?;
        let at = |d: &Option<Vec<Option<usize>>>, i: usize| {
            d.as_ref().and_then(|d| d.get(i).copied().flatten())
        };
        if let (Some(c), Some(kc), Some(oc)) = (at(&xd, 3), at(&fd, 2), at(&fd, 3)) {
            check_depths(c, kc, oc)?;
        }
        let [sh, sw] = self.strides;
        let [dh, dw] = self.dilations;
        let oh = output_dim_partial(at(&xd, 1), at(&fd, 0), dh, sh, self.padding, 0)?;
        let ow = output_dim_partial(at(&xd, 2), at(&fd, 1), dw, sw, self.padding, 1)?;
        Ok(vec![ValueInfo::of_opt(
            dtype,
            PartialShape(Some(vec![at(&xd, 0), oh, ow, at(&fd, 3)])),
        )])
    }

    /// The convolution of `x` by `f`, each output block passed through
    /// `finish` once computed.
    pub(crate) fn compute<T: MatMulElement>(
        &self,
        ctx: &EvalCtx<'_>,
        x: &Tensor,
        f: &Tensor,
        finish: Option<Finish<'_, T>>,
    ) -> Result<Tensor> {
        let g = self.geometry(x.dims(), f.dims())?;
        self.run::<T>(ctx, &g, x, f, finish)
    }
}

impl Conv2D {
    fn run<T: MatMulElement>(
        &self,
        ctx: &EvalCtx<'_>,
        g: &Geometry,
        x: &Tensor,
        f: &Tensor,
        finish: Option<Finish<'_, T>>,
    ) -> Result<Tensor> {
        let overflow = || Error::overflow("Conv2D size");
        let out_shape = Shape::new(vec![g.batch, g.out_h, g.out_w, g.out_c])?;
        let len = out_shape.num_elements()?;
        let xs = x.as_slice::<T>()?;
        let fs = f.as_slice::<T>()?;
        // Rows of the patch matrix (output pixels) and its width.
        let pixels = g
            .batch
            .checked_mul(g.out_h)
            .and_then(|v| v.checked_mul(g.out_w))
            .ok_or_else(overflow)?;
        let k = g
            .k_h
            .checked_mul(g.k_w)
            .and_then(|v| v.checked_mul(g.k_c))
            .ok_or_else(overflow)?;
        if len == 0 {
            return Tensor::from_vec(out_shape, Vec::<T>::new(), None);
        }
        let gemm_shape = |m: usize, n: usize| GemmShape {
            m,
            n,
            k,
            transpose_a: false,
            transpose_b: false,
        };
        let [sh, sw] = self.strides;
        let pointwise = g.k_h == 1
            && g.k_w == 1
            && g.groups == 1
            && sh == 1
            && sw == 1
            && g.pad_t == 0
            && g.pad_l == 0
            && g.out_h == g.in_h
            && g.out_w == g.in_w;
        let fused = fused_epilogue(finish);
        let filter = Filter {
            values: fs,
            packed: self
                .packed
                .as_ref()
                .and_then(|p| p.for_weights::<T>(f, k, g.out_c)),
        };
        if pointwise {
            // Every output block is written whole by the GEMM: no zero-fill.
            let (out, lease) = ctx.budget.alloc_empty::<T>(len, "Conv2D output")?;
            let out = OutputVec::new(out, len)?;
            if fused.is_some() {
                // One product over all pixels: the kernel splits its tiles
                // over the pool and applies the epilogue itself.
                let out = out.init_blocks(len, |_, c| {
                    let a = Patches::dense(xs);
                    match fused_product(ctx, fused, (pixels, g.out_c, k), a, filter, c) {
                        Ok(written) => written,
                        Err(_) => Err(Error::internal("the fused product refused its output")),
                    }
                })?;
                return Tensor::from_vec(out_shape, out, Some(lease));
            }
            let Some(finish) = finish else {
                let out = out.init_blocks(len, |_, c| {
                    T::matmul_into(ctx.pool, ctx.budget, gemm_shape(pixels, g.out_c), xs, fs, c)
                })?;
                return Tensor::from_vec(out_shape, out, Some(lease));
            };
            // Row blocks, each finished while it is still in cache; with
            // several threads, whole blocks (GEMM and epilogue) per thread.
            let threads = ctx.threads().max(1);
            let rows = EPILOGUE_BLOCK_ELEMENTS
                .checked_div(g.out_c)
                .unwrap_or(1)
                .max(64)
                .min(pixels.div_ceil(threads).max(1));
            let in_block = rows.checked_mul(k).ok_or_else(overflow)?;
            let out_block = rows.checked_mul(g.out_c).ok_or_else(overflow)?;
            let block = block_writer(|i: usize, c: Uninit<'_, T>| {
                ctx.budget.check()?;
                let m = c.len().checked_div(g.out_c).unwrap_or(0);
                let a = i
                    .checked_mul(in_block)
                    .and_then(|start| xs.get(start..))
                    .and_then(|rest| rest.get(..m.checked_mul(k)?))
                    .ok_or_else(overflow)?;
                let mut written =
                    T::matmul_into(ctx.pool, ctx.budget, gemm_shape(m, g.out_c), a, fs, c)?;
                (finish.apply)(written.values());
                Ok(written)
            });
            let out = if threads > 1 && pixels > rows {
                ctx.pool.install(|| {
                    out.par_init_blocks(out_block, |i, c| {
                        crate::kernels::gemm::sequential(|| block(i, c))
                    })
                })?
            } else {
                out.init_blocks(out_block, &block)?
            };
            return Tensor::from_vec(out_shape, out, Some(lease));
        }
        if g.groups == 1 {
            if let Some(fused) = fused
                && k > 0
                && g.k_w.saturating_mul(g.k_c) <= IMPLICIT_MAX_ROW
            {
                return self.implicit(ctx, g, xs, filter, fused, (pixels, k), out_shape);
            }
            return self.im2col(ctx, g, xs, filter, finish, (pixels, k), out_shape);
        }
        let (mut out, lease) = ctx
            .budget
            .alloc_vec::<T>(len, T::default(), "Conv2D output")?;
        let gemm = |m: usize, n: usize, a: &[T], b: &[T], c: &mut [T]| {
            T::matmul(ctx.pool, ctx.budget, gemm_shape(m, n), a, b, c)
        };
        let out_cg = g.out_c.checked_div(g.groups).ok_or_else(overflow)?;
        let block_rows = BLOCK_ELEMENTS
            .checked_div(k.max(1))
            .unwrap_or(1)
            .clamp(1, pixels);
        let scratch_len = block_rows.checked_mul(k).ok_or_else(overflow)?;
        let (mut patches, _patch_lease) =
            ctx.budget
                .alloc_vec::<T>(scratch_len, T::default(), "Conv2D patches")?;
        // Grouped: each group's filter columns, and its output block, are
        // gathered into contiguous buffers; groups interleave in the output,
        // which is therefore zero-filled first.
        let (mut filter_g, _fl) = ctx.budget.alloc_vec::<T>(
            k.checked_mul(out_cg).ok_or_else(overflow)?,
            T::default(),
            "Conv2D group filter",
        )?;
        let (mut out_g, _ol) = ctx.budget.alloc_vec::<T>(
            block_rows.checked_mul(out_cg).ok_or_else(overflow)?,
            T::default(),
            "Conv2D group output",
        )?;
        for group in 0..g.groups {
            let c0 = group.checked_mul(g.k_c).ok_or_else(overflow)?;
            let o0 = group.checked_mul(out_cg).ok_or_else(overflow)?;
            for (dst, src) in filter_g.chunks_mut(out_cg.max(1)).zip(fs.chunks(g.out_c)) {
                let cols = src.get(o0..).and_then(|s| s.get(..out_cg));
                dst.copy_from_slice(cols.ok_or_else(overflow)?);
            }
            let mut row0 = 0usize;
            while row0 < pixels {
                ctx.budget.check()?;
                let rows = block_rows.min(pixels.saturating_sub(row0));
                let used = rows.checked_mul(k).ok_or_else(overflow)?;
                let block = patches.get_mut(..used).ok_or_else(overflow)?;
                self.gather(ctx, g, xs, block, row0, c0, k);
                let dst = out_g
                    .get_mut(..rows.checked_mul(out_cg).ok_or_else(overflow)?)
                    .ok_or_else(overflow)?;
                gemm(rows, out_cg, block, &filter_g, dst)?;
                let start = row0.checked_mul(g.out_c).ok_or_else(overflow)?;
                let out_rows = out.get_mut(start..).ok_or_else(overflow)?;
                for (orow, grow) in out_rows.chunks_mut(g.out_c).zip(dst.chunks(out_cg)) {
                    orow.get_mut(o0..)
                        .and_then(|s| s.get_mut(..out_cg))
                        .ok_or_else(overflow)?
                        .copy_from_slice(grow);
                }
                // Whole pixels are final once the last group is in.
                if let Some(finish) = finish
                    && group.saturating_add(1) == g.groups
                {
                    let end = rows
                        .checked_mul(g.out_c)
                        .and_then(|v| v.checked_add(start))
                        .ok_or_else(overflow)?;
                    (finish.apply)(out.get_mut(start..end).ok_or_else(overflow)?);
                }
                row0 = row0.saturating_add(rows);
            }
        }
        Tensor::from_vec(out_shape, out, Some(lease))
    }

    /// An ungrouped convolution as one product whose patch matrix is read
    /// in place from the input (zero-padded first when the filter reaches
    /// past its edges) through a table of each pixel's first input and one
    /// of the taps' offsets: no patch copies.
    #[allow(clippy::too_many_arguments)]
    fn implicit<T: MatMulElement>(
        &self,
        ctx: &EvalCtx<'_>,
        g: &Geometry,
        xs: &[T],
        filter: Filter<'_, T>,
        fused: BiasClamp<'_, T>,
        (pixels, k): (usize, usize),
        out_shape: Shape,
    ) -> Result<Tensor> {
        let overflow = || Error::overflow("Conv2D size");
        // A stride past a single output pixel is never taken (and may be
        // huge).
        let [sh, sw] = self.strides;
        let sh = if g.out_h > 1 { sh } else { 0 };
        let sw = if g.out_w > 1 { sw } else { 0 };
        let [dh, dw] = self.dilations;
        // One past the furthest input row (column) a tap reads, padded.
        let reach = |out: usize, stride: usize, taps: usize, dilation: usize| {
            out.checked_sub(1)?
                .checked_mul(stride)?
                .checked_add(taps.checked_sub(1)?.checked_mul(dilation)?)?
                .checked_add(1)
        };
        let before = |pad: usize, dim: usize| pad.checked_add(dim);
        let padded_h = reach(g.out_h, sh, g.k_h, dh)
            .zip(before(g.pad_t, g.in_h))
            .map(|(r, b)| r.max(b))
            .ok_or_else(overflow)?;
        let padded_w = reach(g.out_w, sw, g.k_w, dw)
            .zip(before(g.pad_l, g.in_w))
            .map(|(r, b)| r.max(b))
            .ok_or_else(overflow)?;
        let c = g.in_c;
        let padded_lease;
        let input: &[T] = if (padded_h, padded_w, g.pad_t, g.pad_l) == (g.in_h, g.in_w, 0, 0) {
            xs
        } else {
            let row = g.in_w.checked_mul(c).ok_or_else(overflow)?;
            let len = [g.batch, padded_h, padded_w, c]
                .into_iter()
                .try_fold(1usize, usize::checked_mul)
                .ok_or_else(overflow)?;
            let (mut padded, lease) =
                ctx.budget
                    .alloc_vec::<T>(len, T::default(), "Conv2D padded input")?;
            for (i, src) in xs.chunks_exact(row.max(1)).enumerate() {
                let (b, y) = (i.checked_div(g.in_h), i.checked_rem(g.in_h));
                let start = b
                    .and_then(|b| b.checked_mul(padded_h))
                    .zip(y)
                    .and_then(|(bh, y)| bh.checked_add(g.pad_t)?.checked_add(y))
                    .and_then(|py| py.checked_mul(padded_w)?.checked_add(g.pad_l))
                    .and_then(|p| p.checked_mul(c))
                    .ok_or_else(overflow)?;
                padded
                    .get_mut(start..)
                    .and_then(|d| d.get_mut(..row))
                    .ok_or_else(overflow)?
                    .copy_from_slice(src);
            }
            padded_lease = (padded, lease);
            &padded_lease.0
        };
        // Each output pixel's first input value, in pixel order.
        let (mut rows, _rows_lease) = ctx
            .budget
            .alloc_empty::<usize>(pixels, "Conv2D pixel table")?;
        let step_y = sh.checked_mul(padded_w).and_then(|v| v.checked_mul(c));
        let step_x = sw.checked_mul(c);
        let image = padded_h
            .checked_mul(padded_w)
            .and_then(|v| v.checked_mul(c));
        let (Some(step_y), Some(step_x), Some(image)) = (step_y, step_x, image) else {
            return Err(overflow());
        };
        for b in 0..g.batch {
            for oy in 0..g.out_h {
                let first = b
                    .checked_mul(image)
                    .and_then(|v| v.checked_add(oy.checked_mul(step_y)?))
                    .ok_or_else(overflow)?;
                for ox in 0..g.out_w {
                    let at = ox
                        .checked_mul(step_x)
                        .and_then(|v| v.checked_add(first))
                        .ok_or_else(overflow)?;
                    rows.push(at);
                }
            }
        }
        // Each tap's offset from its pixel's first input (HWI order).
        let (mut cols, _cols_lease) = ctx.budget.alloc_empty::<usize>(k, "Conv2D tap table")?;
        for ky in 0..g.k_h {
            for kx in 0..g.k_w {
                let tap = ky
                    .checked_mul(dh)
                    .and_then(|v| v.checked_mul(padded_w))
                    .and_then(|v| v.checked_add(kx.checked_mul(dw)?))
                    .and_then(|v| v.checked_mul(c))
                    .ok_or_else(overflow)?;
                for ci in 0..g.k_c {
                    cols.push(tap.checked_add(ci).ok_or_else(overflow)?);
                }
            }
        }
        let len = out_shape.num_elements()?;
        let (out, lease) = ctx.budget.alloc_empty::<T>(len, "Conv2D output")?;
        let patches = Patches {
            values: input,
            index: Some(Indexed {
                rows: &rows,
                cols: &cols,
            }),
        };
        let out = OutputVec::new(out, len)?.init_blocks(len, |_, c| {
            match fused_product(ctx, Some(fused), (pixels, g.out_c, k), patches, filter, c) {
                Ok(written) => written,
                Err(_) => Err(Error::internal("the fused product refused its output")),
            }
        })?;
        Tensor::from_vec(out_shape, out, Some(lease))
    }

    /// An ungrouped convolution by im2col: blocks of output pixels gather
    /// their patches, and the GEMM writes each output block whole.
    #[allow(clippy::too_many_arguments)]
    fn im2col<T: MatMulElement>(
        &self,
        ctx: &EvalCtx<'_>,
        g: &Geometry,
        xs: &[T],
        filter: Filter<'_, T>,
        finish: Option<Finish<'_, T>>,
        (pixels, k): (usize, usize),
        out_shape: Shape,
    ) -> Result<Tensor> {
        let overflow = || Error::overflow("Conv2D size");
        let len = out_shape.num_elements()?;
        let block_rows = BLOCK_ELEMENTS
            .checked_div(k.max(1))
            .unwrap_or(1)
            .clamp(1, pixels.max(1));
        let (out, lease) = ctx.budget.alloc_empty::<T>(len, "Conv2D output")?;
        let out = OutputVec::new(out, len)?;
        let fused = fused_epilogue(finish);
        let scratch_len = block_rows.checked_mul(k).ok_or_else(overflow)?;
        let (mut patches, _patch_lease) =
            ctx.budget
                .alloc_vec::<T>(scratch_len, T::default(), "Conv2D patches")?;
        let out_block = block_rows.checked_mul(g.out_c).ok_or_else(overflow)?;
        let out = out.init_blocks(out_block, |i, c| {
            ctx.budget.check()?;
            let rows = c.len().checked_div(g.out_c).unwrap_or(0);
            let row0 = i.checked_mul(block_rows).ok_or_else(overflow)?;
            let used = rows.checked_mul(k).ok_or_else(overflow)?;
            let block = patches.get_mut(..used).ok_or_else(overflow)?;
            self.gather(ctx, g, xs, block, row0, 0, k);
            let a = Patches::dense(&*block);
            let c = match fused_product(ctx, fused, (rows, g.out_c, k), a, filter, c) {
                Ok(written) => return written,
                Err(c) => c,
            };
            let shape = GemmShape {
                m: rows,
                n: g.out_c,
                k,
                transpose_a: false,
                transpose_b: false,
            };
            let mut written = T::matmul_into(ctx.pool, ctx.budget, shape, block, filter.values, c)?;
            if let Some(finish) = finish {
                (finish.apply)(written.values());
            }
            Ok(written)
        })?;
        Tensor::from_vec(out_shape, out, Some(lease))
    }

    /// Fills `block` (rows of width `k`) with the receptive fields of output
    /// pixels `row0..`, input channels `c0..c0 + k_c`; padding reads as 0.
    #[allow(clippy::too_many_arguments)]
    fn gather<T: Element>(
        &self,
        ctx: &EvalCtx<'_>,
        g: &Geometry,
        xs: &[T],
        block: &mut [T],
        row0: usize,
        c0: usize,
        k: usize,
    ) {
        let [sh, sw] = self.strides;
        let [dh, dw] = self.dilations;
        let fill = |row: &mut [T], b: usize, oy: usize, ox: usize| {
            // One filter row (all kw taps) spans k_w·k_c contiguous inputs
            // when the taps are adjacent pixels, all inside the row, and
            // take every input channel: one copy instead of k_w.
            let x0 = ox.saturating_mul(sw);
            let contiguous = dw == 1
                && g.k_c == g.in_c
                && x0 >= g.pad_l
                && x0.saturating_add(g.k_w) <= g.in_w.saturating_add(g.pad_l);
            let row_len = g.k_w.saturating_mul(g.k_c).max(1);
            for (kh, filter_row) in row.chunks_mut(row_len).enumerate() {
                let iy = shifted(
                    oy.saturating_mul(sh).saturating_add(kh.saturating_mul(dh)),
                    g.pad_t,
                    g.in_h,
                );
                let Some(iy) = iy else {
                    filter_row.fill(T::default());
                    continue;
                };
                let row_start = b
                    .saturating_mul(g.in_h)
                    .saturating_add(iy)
                    .saturating_mul(g.in_w);
                if contiguous {
                    let start = row_start
                        .saturating_add(x0.saturating_sub(g.pad_l))
                        .saturating_mul(g.in_c);
                    match xs.get(start..).and_then(|s| s.get(..filter_row.len())) {
                        Some(src) => copy_short(filter_row, src),
                        None => filter_row.fill(T::default()),
                    }
                    continue;
                }
                for (kw, tap) in filter_row.chunks_mut(g.k_c.max(1)).enumerate() {
                    let ix = shifted(x0.saturating_add(kw.saturating_mul(dw)), g.pad_l, g.in_w);
                    let src = ix.and_then(|ix| {
                        let start = row_start
                            .saturating_add(ix)
                            .saturating_mul(g.in_c)
                            .saturating_add(c0);
                        xs.get(start..).and_then(|s| s.get(..tap.len()))
                    });
                    match src {
                        Some(src) => tap.copy_from_slice(src),
                        None => tap.fill(T::default()),
                    }
                }
            }
        };
        // Pixels in order, their position stepped rather than divided out
        // of the pixel index (two divisions a pixel cost as much as the
        // copies on small filters).
        let span = |(t, span): (usize, &mut [T])| {
            let first = row0.saturating_add(t.saturating_mul(GATHER_TASK_PIXELS));
            let mut ox = first.checked_rem(g.out_w).unwrap_or(0);
            let rest = first.checked_div(g.out_w).unwrap_or(0);
            let mut oy = rest.checked_rem(g.out_h).unwrap_or(0);
            let mut b = rest.checked_div(g.out_h).unwrap_or(0);
            for row in span.chunks_mut(k.max(1)) {
                fill(row, b, oy, ox);
                ox = ox.saturating_add(1);
                if ox >= g.out_w {
                    ox = 0;
                    oy = oy.saturating_add(1);
                    if oy >= g.out_h {
                        oy = 0;
                        b = b.saturating_add(1);
                    }
                }
            }
        };
        let task_len = k.max(1).saturating_mul(GATHER_TASK_PIXELS);
        if ctx.threads() > 1 && block.len() >= 1 << 14 {
            ctx.pool
                .install(|| block.par_chunks_mut(task_len).enumerate().for_each(span));
        } else {
            block.chunks_mut(task_len).enumerate().for_each(span);
        }
    }
}

/// `dst.copy_from_slice(src)` for the short spans of a small-depth im2col
/// (a 3×3 filter over RGB copies 9 values per row): fixed-size chunks move
/// as registers instead of a `memmove` call per span.
#[inline(always)]
fn copy_short<T: Copy>(dst: &mut [T], src: &[T]) {
    if dst.len() > 32 {
        dst.copy_from_slice(src);
        return;
    }
    let mut d = dst.chunks_exact_mut(8);
    let mut s = src.chunks_exact(8);
    for (d, s) in (&mut d).zip(&mut s) {
        if let (Ok(d), Ok(s)) = (<&mut [T; 8]>::try_from(d), <&[T; 8]>::try_from(s)) {
            *d = *s;
        }
    }
    for (d, s) in d.into_remainder().iter_mut().zip(s.remainder()) {
        *d = *s;
    }
}

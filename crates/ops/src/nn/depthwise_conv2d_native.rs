//! DepthwiseConv2dNative: each input channel convolved with its own
//! `channel_multiplier` filters (filter `[fh, fw, in_depth, multiplier]`),
//! output depth `in_depth * multiplier`, NHWC.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/DepthwiseConv2dNative>
//!
//! Output rows are computed in parallel; each output pixel accumulates, tap
//! by tap, a contiguous input pixel times a contiguous filter row, a loop
//! over channels the compiler vectorizes.

// Arithmetic here is on float element values, never on sizes.
#![allow(clippy::arithmetic_side_effects)]

use crate::prelude::*;
use crate::util::float::{Float, Wide};
use crate::util::window::{
    Padding, dims_of_rank, output_dim, output_dim_partial, padding, positive4, require_nhwc,
    shifted,
};
use rayon::prelude::*;

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
struct Depthwise {
    stride: usize,
    padding: Padding,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
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
    Ok(Box::new(Depthwise {
        stride: sh,
        padding,
    }))
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

    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x, f] = take(inputs)?;
        if x.dtype() != f.dtype() {
            return Err(Error::invalid_argument(format!(
                "input and filter have different types: {} and {}",
                x.dtype(),
                f.dtype()
            )));
        }
        let g = self.geometry(x.dims(), f.dims())?;
        with_float!(x.dtype(), T => one(self.run::<T>(ctx, &g, &x, &f)?))
    }
}

impl Depthwise {
    fn run<T: Float>(
        &self,
        ctx: &EvalCtx<'_>,
        g: &Geometry,
        x: &Tensor,
        f: &Tensor,
    ) -> Result<Tensor> {
        let overflow = || Error::overflow("DepthwiseConv2dNative size");
        let out_c = g.in_c.checked_mul(g.mult).ok_or_else(overflow)?;
        let shape = Shape::new(vec![g.batch, g.out_h, g.out_w, out_c])?;
        let len = shape.num_elements()?;
        let (mut out, lease) =
            ctx.budget
                .alloc_vec::<T>(len, T::default(), "DepthwiseConv2dNative output")?;
        let row_len = g.out_w.checked_mul(out_c).ok_or_else(overflow)?;
        if len == 0 || row_len == 0 {
            return Tensor::from_vec(shape, out, Some(lease));
        }
        let xs = x.as_slice::<T>()?;
        let fs = f.as_slice::<T>()?;
        let s = self.stride;
        let row = |(r, dst): (usize, &mut [T])| -> Result<()> {
            ctx.budget.check()?;
            let (mut acc, _lease) = ctx.budget.alloc_vec::<T::Wide>(
                out_c,
                T::Wide::ZERO_W,
                "DepthwiseConv2dNative sums",
            )?;
            let oy = r.checked_rem(g.out_h).unwrap_or(0);
            let b = r.checked_div(g.out_h).unwrap_or(0);
            for (ox, px) in dst.chunks_mut(out_c).enumerate() {
                acc.fill(T::Wide::ZERO_W);
                for kh in 0..g.k_h {
                    let Some(iy) =
                        shifted(oy.saturating_mul(s).saturating_add(kh), g.pad_t, g.in_h)
                    else {
                        continue;
                    };
                    for kw in 0..g.k_w {
                        let Some(ix) =
                            shifted(ox.saturating_mul(s).saturating_add(kw), g.pad_l, g.in_w)
                        else {
                            continue;
                        };
                        let pixel = b
                            .saturating_mul(g.in_h)
                            .saturating_add(iy)
                            .saturating_mul(g.in_w)
                            .saturating_add(ix);
                        let input = xs
                            .get(pixel.saturating_mul(g.in_c)..)
                            .and_then(|v| v.get(..g.in_c))
                            .ok_or_else(overflow)?;
                        let tap = kh.saturating_mul(g.k_w).saturating_add(kw);
                        let filter = fs
                            .get(tap.saturating_mul(out_c)..)
                            .and_then(|v| v.get(..out_c))
                            .ok_or_else(overflow)?;
                        if g.mult == 1 {
                            for ((a, &v), &w) in acc.iter_mut().zip(input).zip(filter) {
                                *a = *a + v.widen() * w.widen();
                            }
                        } else {
                            for ((a, &v), w) in
                                acc.chunks_mut(g.mult).zip(input).zip(filter.chunks(g.mult))
                            {
                                let v = v.widen();
                                for (a, &w) in a.iter_mut().zip(w) {
                                    *a = *a + v * w.widen();
                                }
                            }
                        }
                    }
                }
                for (o, &a) in px.iter_mut().zip(acc.iter()) {
                    *o = T::narrow(a);
                }
            }
            Ok(())
        };
        if ctx.threads() > 1 && len >= 1 << 14 {
            ctx.pool
                .install(|| out.par_chunks_mut(row_len).enumerate().try_for_each(row))?;
        } else {
            out.chunks_mut(row_len).enumerate().try_for_each(row)?;
        }
        Tensor::from_vec(shape, out, Some(lease))
    }
}

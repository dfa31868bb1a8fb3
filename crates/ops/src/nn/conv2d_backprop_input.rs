//! Conv2DBackpropInput: the gradient of Conv2D with respect to its input,
//! i.e. the transposed convolution of `out_backprop` with `filter` onto an
//! NHWC input of shape `input_sizes` (4 values, or 2 for H and W).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Conv2DBackpropInput>
//!
//! Computed as GEMM + col2im: blocks of `out_backprop` pixels times the
//! transposed filter give each pixel's contribution to its receptive
//! field, which is then added into the output. Like TF's CPU kernels,
//! dilations and grouped filters are not supported.

use crate::kernels::gemm::GemmShape;
use crate::prelude::*;
use crate::util::matmul::MatMulElement;
use crate::util::window::{Padding, output_dim, padding, positive4, require_nhwc, shifted};
use ward_tensor::DType::{BF16, F16, F32, F64, I32};

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Conv2DBackpropInput",
        inputs: Arity::Exact(3),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", &[F16, BF16, F32, F64, I32])],
        capability: Capability::Pure,
    },
    build,
};

/// Column-matrix elements computed per block (bounds the scratch buffer).
const BLOCK_ELEMENTS: usize = 1 << 20;

#[derive(Debug)]
struct BackpropInput {
    strides: [usize; 2],
    padding: Padding,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    let [sn, sh, sw, sc] = positive4(node, "strides", None)?;
    let dilations = positive4(node, "dilations", Some(&[1, 1, 1, 1]))?;
    let padding = padding(node, true)?;
    require_nhwc(node, "Conv2DBackpropInput")?;
    if sn != 1 || sc != 1 {
        return Err(Error::invalid_argument(
            "Current implementation does not yet support strides in the batch and depth dimensions.",
        ));
    }
    if dilations != [1, 1, 1, 1] {
        return Err(Error::unimplemented(
            "Current CPU implementations do not yet support dilation rates larger than 1.",
        ));
    }
    Ok(Box::new(BackpropInput {
        strides: [sh, sw],
        padding,
    }))
}

/// `input_sizes` as its 4 or 2 values, checked non-negative.
fn sizes_of(t: &Tensor) -> Result<Vec<usize>> {
    if t.dtype() != DType::I32 {
        return Err(Error::invalid_argument(format!(
            "input_sizes must be int32, got {}",
            t.dtype()
        )));
    }
    if t.rank() != 1 || !matches!(t.len(), 2 | 4) {
        return Err(Error::invalid_argument(format!(
            "Conv2DBackpropInput requires input_sizes to contain 4 values or 2 values, but got: {}",
            t.len()
        )));
    }
    t.to_i64_vec()?
        .into_iter()
        .map(|v| {
            usize::try_from(v).map_err(|_| {
                Error::invalid_argument(format!("Invalid value in tensor used for shape: {v}"))
            })
        })
        .collect()
}

#[derive(Debug, Clone, Copy)]
struct Geometry {
    batch: usize,
    in_h: usize,
    in_w: usize,
    in_c: usize,
    k_h: usize,
    k_w: usize,
    out_c: usize,
    out_h: usize,
    out_w: usize,
    pad_t: usize,
    pad_l: usize,
}

impl BackpropInput {
    fn geometry(&self, sizes: &[usize], filter: &[usize], dy: &[usize]) -> Result<Geometry> {
        let [k_h, k_w, k_c, out_c] = filter else {
            return Err(Error::invalid_argument(format!(
                "filter must be 4-dimensional, got rank {}",
                filter.len()
            )));
        };
        let [dn, dh, dw, dc] = dy else {
            return Err(Error::invalid_argument(format!(
                "out_backprop must be 4-dimensional, got rank {}",
                dy.len()
            )));
        };
        let (batch, in_h, in_w, in_c) = match sizes {
            [n, h, w, c] => (*n, *h, *w, *c),
            [h, w] => (*dn, *h, *w, *k_c),
            _ => {
                return Err(Error::invalid_argument(
                    "input_sizes must contain 4 values or 2 values",
                ));
            }
        };
        if in_c != *k_c {
            return Err(Error::unimplemented(
                "Gradients for grouped convolutions are not supported on CPU.",
            ));
        }
        let [sh, sw] = self.strides;
        let h = output_dim(in_h, *k_h, 1, sh, self.padding, 0)?;
        let w = output_dim(in_w, *k_w, 1, sw, self.padding, 1)?;
        if [batch, h.out, w.out, *out_c] != [*dn, *dh, *dw, *dc] {
            return Err(Error::invalid_argument(format!(
                "Conv2DCustomBackpropInput: Size of out_backprop doesn't match computed: actual = {dy:?}, computed = {:?}",
                [batch, h.out, w.out, *out_c]
            )));
        }
        Ok(Geometry {
            batch,
            in_h,
            in_w,
            in_c,
            k_h: *k_h,
            k_w: *k_w,
            out_c: *out_c,
            out_h: h.out,
            out_w: w.out,
            pad_t: h.pad_before,
            pad_l: w.pad_before,
        })
    }
}

impl Kernel for BackpropInput {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        let (Some(sizes), Some(f), Some(dy)) = (inputs.first(), inputs.get(1), inputs.get(2))
        else {
            return Err(Error::invalid_argument("expected 3 inputs"));
        };
        for (v, what) in [(f, "filter"), (dy, "out_backprop")] {
            if let Some(r) = v.shape.rank()
                && r != 4
            {
                return Err(Error::invalid_argument(format!(
                    "{what} must be rank 4 but is rank {r}"
                )));
            }
        }
        let shape = match &sizes.value {
            Some(t) => match sizes_of(t)?.as_slice() {
                [n, h, w, c] => PartialShape::known(&[*n, *h, *w, *c]),
                [h, w] => {
                    let n = dy.shape.dims().and_then(|d| d.first().copied().flatten());
                    let c = f.shape.dims().and_then(|d| d.get(2).copied().flatten());
                    PartialShape(Some(vec![n, Some(*h), Some(*w), c]))
                }
                _ => PartialShape(Some(vec![None; 4])),
            },
            None => PartialShape(Some(vec![None; 4])),
        };
        Ok(vec![ValueInfo::of_opt(f.dtype.or(dy.dtype), shape)])
    }

    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [sizes, f, dy] = take(inputs)?;
        if f.dtype() != dy.dtype() {
            return Err(Error::invalid_argument(format!(
                "filter and out_backprop have different types: {} and {}",
                f.dtype(),
                dy.dtype()
            )));
        }
        let sizes = sizes_of(&sizes).map_err(|e| e.at_input(0))?;
        let g = self.geometry(&sizes, f.dims(), dy.dims())?;
        match f.dtype() {
            DType::F32 => one(self.run::<f32>(ctx, &g, &f, &dy)?),
            DType::F64 => one(self.run::<f64>(ctx, &g, &f, &dy)?),
            DType::F16 => one(self.run::<f16>(ctx, &g, &f, &dy)?),
            DType::BF16 => one(self.run::<bf16>(ctx, &g, &f, &dy)?),
            DType::I32 => one(self.run::<i32>(ctx, &g, &f, &dy)?),
            other => Err(Error::invalid_argument(format!(
                "Conv2DBackpropInput does not support {other}"
            ))),
        }
    }
}

impl BackpropInput {
    fn run<T: MatMulElement + Num>(
        &self,
        ctx: &EvalCtx<'_>,
        g: &Geometry,
        f: &Tensor,
        dy: &Tensor,
    ) -> Result<Tensor> {
        let overflow = || Error::overflow("Conv2DBackpropInput size");
        let shape = Shape::new(vec![g.batch, g.in_h, g.in_w, g.in_c])?;
        let len = shape.num_elements()?;
        let (mut out, lease) =
            ctx.budget
                .alloc_vec::<T>(len, T::ZERO, "Conv2DBackpropInput output")?;
        let pixels = g
            .batch
            .checked_mul(g.out_h)
            .and_then(|v| v.checked_mul(g.out_w))
            .ok_or_else(overflow)?;
        let k = g
            .k_h
            .checked_mul(g.k_w)
            .and_then(|v| v.checked_mul(g.in_c))
            .ok_or_else(overflow)?;
        if len == 0 || pixels == 0 || k == 0 {
            return Tensor::from_vec(shape, out, Some(lease));
        }
        let fs = f.as_slice::<T>()?;
        let dys = dy.as_slice::<T>()?;
        let block_rows = BLOCK_ELEMENTS.checked_div(k).unwrap_or(1).clamp(1, pixels);
        let (mut cols, _cl) = ctx.budget.alloc_vec::<T>(
            block_rows.checked_mul(k).ok_or_else(overflow)?,
            T::ZERO,
            "Conv2DBackpropInput columns",
        )?;
        let [sh, sw] = self.strides;
        let mut row0 = 0usize;
        while row0 < pixels {
            ctx.budget.check()?;
            let rows = block_rows.min(pixels.saturating_sub(row0));
            let start = row0.checked_mul(g.out_c).ok_or_else(overflow)?;
            let a = dys
                .get(start..)
                .and_then(|s| s.get(..rows.checked_mul(g.out_c)?))
                .ok_or_else(overflow)?;
            let block = cols
                .get_mut(..rows.checked_mul(k).ok_or_else(overflow)?)
                .ok_or_else(overflow)?;
            let shape = GemmShape {
                m: rows,
                n: k,
                k: g.out_c,
                transpose_a: false,
                transpose_b: true,
            };
            T::matmul(ctx.pool, ctx.budget, shape, a, fs, block)?;
            for (i, row) in block.chunks(k).enumerate() {
                let p = row0.saturating_add(i);
                let ox = p.checked_rem(g.out_w).unwrap_or(0);
                let rest = p.checked_div(g.out_w).unwrap_or(0);
                let oy = rest.checked_rem(g.out_h).unwrap_or(0);
                let b = rest.checked_div(g.out_h).unwrap_or(0);
                let mut taps = row.chunks(g.in_c);
                for kh in 0..g.k_h {
                    let iy = shifted(oy.saturating_mul(sh).saturating_add(kh), g.pad_t, g.in_h);
                    for kw in 0..g.k_w {
                        let tap = taps.next().ok_or_else(overflow)?;
                        let ix = shifted(ox.saturating_mul(sw).saturating_add(kw), g.pad_l, g.in_w);
                        let (Some(iy), Some(ix)) = (iy, ix) else {
                            continue;
                        };
                        let pixel = b
                            .saturating_mul(g.in_h)
                            .saturating_add(iy)
                            .saturating_mul(g.in_w)
                            .saturating_add(ix);
                        let dst = out
                            .get_mut(pixel.saturating_mul(g.in_c)..)
                            .and_then(|s| s.get_mut(..g.in_c))
                            .ok_or_else(overflow)?;
                        for (d, &v) in dst.iter_mut().zip(tap) {
                            *d = d.add(v);
                        }
                    }
                }
            }
            row0 = row0.saturating_add(rows);
        }
        Tensor::from_vec(shape, out, Some(lease))
    }
}

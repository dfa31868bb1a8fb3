//! ResizeBilinear: bilinear resize of NHWC images to `size` (height,
//! width), output float32, with TF's `align_corners` / `half_pixel_centers`
//! coordinate math in f32.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/ResizeBilinear>

// Arithmetic here is on float element values, never on sizes.
#![allow(clippy::arithmetic_side_effects)]

use crate::prelude::*;
use crate::util::resize::{ResizeAttrs, bilinear_weights, image_dims, infer_shape, size_of};
use ward_tensor::DType::{BF16, F16, F32, F64, I8, I16, I32, I64, U8, U16};

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "ResizeBilinear",
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(1),
        types: &[type_attr(
            "T",
            &[I8, U8, I16, U16, I32, I64, BF16, F16, F32, F64],
        )],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct ResizeBilinear {
    attrs: ResizeAttrs,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(ResizeBilinear {
        attrs: ResizeAttrs::parse(node)?,
    }))
}

impl Kernel for ResizeBilinear {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        Ok(vec![ValueInfo::of(
            TypeAttr::Data(DType::F32),
            infer_shape(inputs)?,
        )])
    }

    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x, size] = take(inputs)?;
        let [out_h, out_w] = size_of(&size).map_err(|e| e.at_input(1))?;
        let dims = image_dims(&x)?;
        with_numeric!(x.dtype(), T => one(self.run::<T>(ctx, &x, dims, out_h, out_w)?))
    }
}

impl ResizeBilinear {
    fn run<T: Num>(
        &self,
        ctx: &EvalCtx<'_>,
        x: &Tensor,
        [n, in_h, in_w, c]: [usize; 4],
        out_h: usize,
        out_w: usize,
    ) -> Result<Tensor> {
        let shape = Shape::new(vec![n, out_h, out_w, c])?;
        let len = shape.num_elements()?;
        let (mut out, lease) = ctx
            .budget
            .alloc_empty::<f32>(len, "ResizeBilinear output")?;
        if len > 0 {
            let (ys, _yl) = bilinear_weights(ctx.budget, &self.attrs, in_h, out_h)?;
            let (xs, _xl) = bilinear_weights(ctx.budget, &self.attrs, in_w, out_w)?;
            let values = x.as_slice::<T>()?;
            let bad = || Error::internal("ResizeBilinear index out of range");
            #[allow(clippy::cast_possible_truncation)]
            let at = |b: usize, y: usize, xx: usize, ch: usize| -> Result<f32> {
                let i = b
                    .checked_mul(in_h)
                    .and_then(|v| v.checked_add(y))
                    .and_then(|v| v.checked_mul(in_w))
                    .and_then(|v| v.checked_add(xx))
                    .and_then(|v| v.checked_mul(c))
                    .and_then(|v| v.checked_add(ch))
                    .ok_or_else(bad)?;
                Ok(values.get(i).ok_or_else(bad)?.to_f64() as f32)
            };
            for b in 0..n {
                for y in &ys {
                    ctx.budget.check()?;
                    for xw in &xs {
                        for ch in 0..c {
                            let tl = at(b, y.lower, xw.lower, ch)?;
                            let tr = at(b, y.lower, xw.upper, ch)?;
                            let bl = at(b, y.upper, xw.lower, ch)?;
                            let br = at(b, y.upper, xw.upper, ch)?;
                            let top = tl + (tr - tl) * xw.frac;
                            let bottom = bl + (br - bl) * xw.frac;
                            out.push(top + (bottom - top) * y.frac);
                        }
                    }
                }
            }
        }
        Tensor::from_vec(shape, out, Some(lease))
    }
}

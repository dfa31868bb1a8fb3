//! ResizeNearestNeighbor: nearest-neighbor resize of NHWC images to `size`
//! (height, width), with TF's `align_corners` (round) / `half_pixel_centers`
//! coordinate math in f32; the output keeps the input type.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/ResizeNearestNeighbor>

use crate::prelude::*;
use crate::util::resize::{ResizeAttrs, image_dims, infer_shape, nearest_indices, size_of};
use ward_tensor::DType::{BF16, F16, F32, F64, I8, I16, I32, I64, U8, U16};

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "ResizeNearestNeighbor",
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
struct ResizeNearestNeighbor {
    attrs: ResizeAttrs,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(ResizeNearestNeighbor {
        attrs: ResizeAttrs::parse(node)?,
    }))
}

impl Kernel for ResizeNearestNeighbor {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        let dtype = inputs.first().and_then(|x| x.dtype);
        Ok(vec![ValueInfo::of_opt(dtype, infer_shape(inputs)?)])
    }

    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x, size] = take(inputs)?;
        let [out_h, out_w] = size_of(&size).map_err(|e| e.at_input(1))?;
        let dims = image_dims(&x)?;
        with_numeric!(x.dtype(), T => one(self.run::<T>(ctx, &x, dims, out_h, out_w)?))
    }
}

impl ResizeNearestNeighbor {
    fn run<T: Element>(
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
            .alloc_empty::<T>(len, "ResizeNearestNeighbor output")?;
        if len > 0 {
            let (ys, _yl) = nearest_indices(ctx.budget, &self.attrs, in_h, out_h)?;
            let (xs, _xl) = nearest_indices(ctx.budget, &self.attrs, in_w, out_w)?;
            let values = x.as_slice::<T>()?;
            let bad = || Error::internal("ResizeNearestNeighbor index out of range");
            for b in 0..n {
                for &y in &ys {
                    ctx.budget.check()?;
                    for &xx in &xs {
                        let start = b
                            .checked_mul(in_h)
                            .and_then(|v| v.checked_add(y))
                            .and_then(|v| v.checked_mul(in_w))
                            .and_then(|v| v.checked_add(xx))
                            .and_then(|v| v.checked_mul(c))
                            .ok_or_else(bad)?;
                        let px = values
                            .get(start..)
                            .and_then(|s| s.get(..c))
                            .ok_or_else(bad)?;
                        out.extend_from_slice(px);
                    }
                }
            }
        }
        Tensor::from_vec(shape, out, Some(lease))
    }
}

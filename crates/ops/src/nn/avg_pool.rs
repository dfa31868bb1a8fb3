//! AvgPool: the mean over each sliding window of an NHWC input; as in TF,
//! a window divides by the number of input (non-padding) elements it covers.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/AvgPool>

// Arithmetic here is on float element values, never on sizes.
#![allow(clippy::arithmetic_side_effects)]

use crate::prelude::*;
use crate::util::float::{Float, Wide};
use crate::util::window::Pool2d;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "AvgPool",
        inputs: Arity::Exact(1),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", FLOAT)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct AvgPool {
    pool: Pool2d,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(AvgPool {
        pool: Pool2d::parse(node, "AvgPool", false)?,
    }))
}

impl Kernel for AvgPool {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        let x = inputs
            .first()
            .ok_or_else(|| Error::invalid_argument("missing input 0"))?;
        Ok(vec![ValueInfo::of_opt(x.dtype, self.pool.infer(&x.shape)?)])
    }

    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x] = take(inputs)?;
        with_float!(x.dtype(), T => one(self.run::<T>(ctx, &x)?))
    }
}

impl AvgPool {
    fn run<T: Float>(&self, ctx: &EvalCtx<'_>, x: &Tensor) -> Result<Tensor>
    where
        T::Wide: Send + Sync,
    {
        let g = self.pool.geometry(x.dims())?;
        let shape = Shape::new(g.out_dims())?;
        let len = shape.num_elements()?;
        let (mut out, lease) = ctx
            .budget
            .alloc_vec::<T>(len, T::default(), "AvgPool output")?;
        let xs = x.as_slice::<T>()?;
        let c = g.channels;
        g.par_rows(ctx, &mut out, (c, T::Wide::ZERO_W), |dst, window, acc| {
            acc.fill(T::Wide::ZERO_W);
            for p in window.pixels() {
                let src = xs
                    .get(p.saturating_mul(c)..)
                    .and_then(|s| s.get(..c))
                    .ok_or_else(|| Error::internal("AvgPool window out of range"))?;
                for (a, &v) in acc.iter_mut().zip(src) {
                    *a = *a + v.widen();
                }
            }
            #[allow(clippy::cast_precision_loss)]
            let count = T::Wide::from_f64(window.count() as f64);
            for (o, &a) in dst.iter_mut().zip(acc.iter()) {
                *o = T::narrow(a / count);
            }
            Ok(())
        })?;
        Tensor::from_vec(shape, out, Some(lease))
    }
}

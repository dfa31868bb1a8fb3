//! MaxPool: the maximum over each sliding window of an NHWC input.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/MaxPool>
//!
//! As TF's CPU kernel, every output starts at the type's lowest finite
//! value and takes an input only when it is greater, so NaN inputs are
//! skipped and a window of only padding or -inf yields the lowest value.

use crate::prelude::*;
use crate::util::window::Pool2d;
use ward_tensor::DType::{BF16, F16, F32, F64, I8, I16, I32, I64, U8, U16};

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "MaxPool",
        inputs: Arity::Exact(1),
        outputs: Arity::Exact(1),
        // TF's op def defaults T to float32, and SavedModels strip it.
        types: &[TypeConstraint {
            attr: "T",
            allowed: &[F16, BF16, F32, F64, I8, I16, I32, I64, U8, U16],
            optional: true,
        }],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct MaxPool {
    pool: Pool2d,
    dtype: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(MaxPool {
        pool: Pool2d::parse(node, "MaxPool", true)?,
        dtype: node.attrs.dtype_or("T", DType::F32)?,
    }))
}

/// The lowest finite value of an element type (Eigen's `lowest()`).
pub trait Lowest: Element {
    const LOWEST: Self;
}
macro_rules! lowest {
    ($($t:ty => $v:expr),*) => {$(impl Lowest for $t { const LOWEST: Self = $v; })*};
}
lowest!(f32 => f32::MIN, f64 => f64::MIN, f16 => f16::MIN, bf16 => bf16::MIN,
    i8 => i8::MIN, i16 => i16::MIN, i32 => i32::MIN, i64 => i64::MIN,
    u8 => 0, u16 => 0, u32 => 0, u64 => 0);

impl Kernel for MaxPool {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        let x = inputs
            .first()
            .ok_or_else(|| Error::invalid_argument("missing input 0"))?;
        crate::util::simple::check_input(inputs, 0, Some(self.dtype))?;
        Ok(vec![ValueInfo::of(
            TypeAttr::Data(self.dtype),
            self.pool.infer(&x.shape)?,
        )])
    }

    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x] = take(inputs)?;
        if x.dtype() != self.dtype {
            return Err(Error::invalid_argument(format!(
                "input has type {} but T is {}",
                x.dtype(),
                self.dtype
            ))
            .at_input(0));
        }
        match x.dtype() {
            DType::F32 => one(self.run::<f32>(ctx, &x)?),
            DType::F64 => one(self.run::<f64>(ctx, &x)?),
            DType::F16 => one(self.run::<f16>(ctx, &x)?),
            DType::BF16 => one(self.run::<bf16>(ctx, &x)?),
            DType::I8 => one(self.run::<i8>(ctx, &x)?),
            DType::I16 => one(self.run::<i16>(ctx, &x)?),
            DType::I32 => one(self.run::<i32>(ctx, &x)?),
            DType::I64 => one(self.run::<i64>(ctx, &x)?),
            DType::U8 => one(self.run::<u8>(ctx, &x)?),
            DType::U16 => one(self.run::<u16>(ctx, &x)?),
            other => Err(Error::invalid_argument(format!(
                "MaxPool does not support {other}"
            ))),
        }
    }
}

impl MaxPool {
    fn run<T: Lowest>(&self, ctx: &EvalCtx<'_>, x: &Tensor) -> Result<Tensor> {
        let g = self.pool.geometry(x.dims())?;
        let shape = Shape::new(g.out_dims())?;
        let len = shape.num_elements()?;
        let (mut out, lease) = ctx
            .budget
            .alloc_vec::<T>(len, T::LOWEST, "MaxPool output")?;
        let xs = x.as_slice::<T>()?;
        let c = g.channels;
        g.par_rows(ctx, &mut out, (0, ()), |dst, window, _| {
            for p in window.pixels() {
                let src = xs
                    .get(p.saturating_mul(c)..)
                    .and_then(|s| s.get(..c))
                    .ok_or_else(|| Error::internal("MaxPool window out of range"))?;
                for (o, &v) in dst.iter_mut().zip(src) {
                    // Select form (vectorizes to max): NaN never wins.
                    *o = if *o < v { v } else { *o };
                }
            }
            Ok(())
        })?;
        Tensor::from_vec(shape, out, Some(lease))
    }
}

//! Cumsum: running sums along `axis` (optionally exclusive and/or
//! reversed); integers wrap, half types accumulate in f32.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Cumsum>

use crate::prelude::*;
use crate::util::arith::Compute;
use crate::util::layout::{oob, product};
use crate::util::simple::check_input;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Cumsum",
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", NUMERIC), type_attr("Tidx", INDEX)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Cumsum {
    dtype: DType,
    tidx: DType,
    exclusive: bool,
    reverse: bool,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Cumsum {
        dtype: node.attrs.dtype("T")?,
        tidx: node.attrs.dtype_or("Tidx", DType::I32)?,
        exclusive: node.attrs.bool_or("exclusive", false)?,
        reverse: node.attrs.bool_or("reverse", false)?,
    }))
}

/// Addition in an accumulator type.
trait Acc: Element {
    type A: Copy;
    const ZERO: Self::A;
    fn add(a: Self::A, v: Self) -> Self::A;
    fn out(a: Self::A) -> Self;
}

macro_rules! int_acc {
    ($($t:ty),*) => {$(
        impl Acc for $t {
            type A = $t;
            const ZERO: $t = 0;
            fn add(a: $t, v: $t) -> $t { a.wrapping_add(v) }
            fn out(a: $t) -> $t { a }
        }
    )*};
}
int_acc!(i8, i16, i32, i64, u8, u16, u32, u64);

macro_rules! float_acc {
    ($($t:ty),*) => {$(
        // Arithmetic on float element values, not sizes.
        #[allow(clippy::arithmetic_side_effects)]
        impl Acc for $t {
            type A = <$t as Compute>::F;
            const ZERO: Self::A = 0.0;
            fn add(a: Self::A, v: $t) -> Self::A { a + <$t as Compute>::f(v) }
            fn out(a: Self::A) -> $t { <$t as Compute>::w(a) }
        }
    )*};
}
float_acc!(f16, bf16, f32, f64);

impl Cumsum {
    fn scan<T: Acc>(&self, ctx: &EvalCtx<'_>, x: &Tensor, axis: usize) -> Result<Tensor> {
        let dims = x.dims();
        let outer = product(dims.get(..axis).ok_or_else(oob)?)?;
        let dim = *dims.get(axis).ok_or_else(oob)?;
        let inner = product(dims.get(axis.saturating_add(1)..).unwrap_or(&[]))?;
        let src = x.as_slice::<T>()?;
        let (mut out, lease) =
            ctx.budget
                .alloc_vec::<T>(src.len(), T::default(), "Cumsum output")?;
        for o in 0..outer {
            for i in 0..inner {
                let mut acc = T::ZERO;
                for step in 0..dim {
                    let k = if self.reverse {
                        dim.checked_sub(step)
                            .and_then(|v| v.checked_sub(1))
                            .ok_or_else(oob)?
                    } else {
                        step
                    };
                    let at = o
                        .checked_mul(dim)
                        .and_then(|v| v.checked_add(k))
                        .and_then(|v| v.checked_mul(inner))
                        .and_then(|v| v.checked_add(i))
                        .ok_or_else(oob)?;
                    let v = *src.get(at).ok_or_else(oob)?;
                    let slot = out.get_mut(at).ok_or_else(oob)?;
                    if self.exclusive {
                        *slot = T::out(acc);
                        acc = T::add(acc, v);
                    } else {
                        acc = T::add(acc, v);
                        *slot = T::out(acc);
                    }
                }
            }
        }
        Tensor::from_vec(x.shape().clone(), out, Some(lease))
    }
}

impl Kernel for Cumsum {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        check_input(inputs, 1, Some(self.tidx))?;
        if let Some(r) = inputs.get(1).and_then(|v| v.shape.rank())
            && r != 0
        {
            return Err(Error::invalid_argument(format!(
                "Shape must be rank 0 but is rank {r}"
            )));
        }
        let shape = inputs
            .first()
            .map_or(PartialShape::unknown(), |x| x.shape.clone());
        Ok(vec![ValueInfo::of(TypeAttr::Data(self.dtype), shape)])
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x, axis] = take(inputs)?;
        if axis.rank() != 0 {
            return Err(Error::invalid_argument("ScanOp: axis must be a scalar"));
        }
        let a = axis.to_i64_vec()?.first().copied().unwrap_or(0);
        let axis = ward_tensor::normalize_axis(a, x.rank()).map_err(|_| {
            Error::invalid_argument(format!(
                "ScanOp: Expected scan axis in the range [-{0}, {0}), but got {a}",
                x.rank()
            ))
        })?;
        one(with_numeric!(x.dtype(), T => self.scan::<T>(ctx, &x, axis))?)
    }
}

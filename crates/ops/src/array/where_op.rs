//! Where (one input): the coordinates of the true / non-zero elements, as
//! an int64 `[count, rank]` matrix in row-major order.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Where>

use crate::prelude::*;
use crate::util::arith::Compute;
use crate::util::layout::{oob, strides, to_i64};
use crate::util::simple::check_input;
use ward_tensor::DType::*;

/// TF has no CPU Where kernel for float16.
const WHERE: &[DType] = &[BF16, F32, F64, I8, I16, I32, I64, U8, U16, U32, U64, Bool];

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Where",
        inputs: Arity::Exact(1),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", WHERE)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Where {
    dtype: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Where {
        dtype: node.attrs.dtype_or("T", DType::Bool)?,
    }))
}

/// Truth of one element: non-zero; float subnormals count as zero (TF's
/// CPU threads run with denormals-are-zero).
trait Truth: Element {
    fn truth(self) -> bool;
}
impl Truth for bool {
    fn truth(self) -> bool {
        self
    }
}
macro_rules! int_truth {
    ($($t:ty),*) => {$(
        impl Truth for $t {
            fn truth(self) -> bool { self != 0 }
        }
    )*};
}
int_truth!(i8, i16, i32, i64, u8, u16, u32, u64);
macro_rules! float_truth {
    ($($t:ty),*) => {$(
        impl Truth for $t {
            fn truth(self) -> bool {
                let v = <$t as Compute>::f(self);
                v.is_nan() || v.is_infinite() || v.is_normal()
            }
        }
    )*};
}
float_truth!(f16, bf16, f32, f64);

fn coords<T: Truth>(ctx: &EvalCtx<'_>, x: &Tensor) -> Result<Tensor> {
    let xs = x.as_slice::<T>()?;
    let rank = x.rank();
    let count = xs.iter().filter(|v| v.truth()).count();
    let n = count.checked_mul(rank).ok_or_else(oob)?;
    let (mut out, lease) = ctx.budget.alloc_empty::<i64>(n, "Where output")?;
    let st = strides(x.dims());
    for (i, v) in xs.iter().enumerate() {
        if v.truth() {
            let mut rest = i;
            for &s in &st {
                let q = rest.checked_div(s).ok_or_else(oob)?;
                rest = rest.checked_rem(s).ok_or_else(oob)?;
                out.push(to_i64(q)?);
            }
        }
    }
    Tensor::from_vec(Shape::new(vec![count, rank])?, out, Some(lease))
}

impl Kernel for Where {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        let shape = match inputs.first().and_then(|v| v.shape.rank()) {
            Some(r) => PartialShape(Some(vec![None, Some(r)])),
            None => PartialShape(Some(vec![None, None])),
        };
        Ok(vec![ValueInfo::of(TypeAttr::Data(DType::I64), shape)])
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x] = take(inputs)?;
        if x.rank() == 0 {
            return Err(Error::invalid_argument(
                "WhereOp : Unhandled input dimensions: 0",
            ));
        }
        if x.dtype() == DType::F16 {
            return Err(Error::unimplemented(
                "No WhereOp available for float16 on CPU",
            ));
        }
        if x.dtype() == DType::Bool {
            return one(coords::<bool>(ctx, &x)?);
        }
        one(with_numeric!(x.dtype(), T => coords::<T>(ctx, &x))?)
    }
}

//! CheckNumerics: passes `tensor` through, failing if it holds NaN or Inf.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/CheckNumerics>

use crate::prelude::*;
use crate::util::arith::Compute;
use crate::util::float::Wide;
use crate::util::simple::check_input;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "CheckNumerics",
        inputs: Arity::Exact(1),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", FLOAT)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct CheckNumerics {
    dtype: DType,
    message: String,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(CheckNumerics {
        dtype: node.attrs.dtype("T")?,
        message: node.attrs.str_or("message", "")?,
    }))
}

/// Whether any element is NaN and whether any is infinite.
fn scan<T: Element + Compute>(x: &Tensor) -> Result<(bool, bool)> {
    let mut nan = false;
    let mut inf = false;
    for &v in x.as_slice::<T>()? {
        let w = v.f();
        nan |= w.is_nan();
        inf |= w.is_infinite();
    }
    Ok((nan, inf))
}

impl Kernel for CheckNumerics {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        let shape = inputs
            .first()
            .map_or(PartialShape::unknown(), |x| x.shape.clone());
        Ok(vec![ValueInfo::of(TypeAttr::Data(self.dtype), shape)])
    }
    fn eval(&self, _: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x] = take(inputs)?;
        let (nan, inf) = with_float!(x.dtype(), T => scan::<T>(&x))?;
        let what = match (nan, inf) {
            (false, false) => return one(x),
            (true, true) => "Inf and NaN",
            (true, false) => "NaN",
            (false, true) => "Inf",
        };
        Err(Error::invalid_argument(format!(
            "{} : Tensor had {what} values",
            self.message
        )))
    }
}

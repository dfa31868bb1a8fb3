//! Equal: `x == y` elementwise with broadcasting, as bool; NaN equals
//! nothing. With `incompatible_shape_error=false`, shapes that don't
//! broadcast give a scalar `false` instead of an error.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Equal>

use crate::prelude::*;
use crate::util::arith::Arith;
use crate::util::dtypes::NUMERIC_BOOL;
use crate::util::simple::{check_input, pure_spec};

pub const DEF: OpDef = OpDef {
    spec: pure_spec("Equal", 2, &[type_attr("T", NUMERIC_BOOL)]),
    build: |node| build(node, false),
};

/// Equal, or NotEqual when `negate`.
#[derive(Debug)]
struct Equality {
    negate: bool,
    /// `incompatible_shape_error`.
    strict: bool,
    dtype: DType,
}

/// The kernel for Equal (`negate` false) or NotEqual (`negate` true).
pub fn build(node: &Node, negate: bool) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Equality {
        negate,
        strict: node.attrs.bool_or("incompatible_shape_error", true)?,
        dtype: node.attrs.dtype("T")?,
    }))
}

impl Kernel for Equality {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        check_input(inputs, 1, Some(self.dtype))?;
        let shape = match binary_infer(inputs) {
            Ok(mut v) => v
                .pop()
                .map(|i| i.shape)
                .unwrap_or_else(PartialShape::unknown),
            Err(e) if self.strict => return Err(e),
            Err(_) => PartialShape::unknown(),
        };
        Ok(vec![ValueInfo::of(TypeAttr::Data(DType::Bool), shape)])
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x, y] = take(inputs)?;
        let ne = self.negate;
        if !self.strict && ward_tensor::broadcast_shapes(x.dims(), y.dims()).is_err() {
            return one(Tensor::full(
                ctx.budget,
                Shape::scalar(),
                ne,
                "Equal output",
            )?);
        }
        if x.dtype() != y.dtype() {
            return Err(Error::invalid_argument(format!(
                "inputs have different types: {} and {}",
                x.dtype(),
                y.dtype()
            )));
        }
        if x.dtype() == DType::Bool {
            return one(binary::<bool, bool>(ctx, &x, &y, |a, b| (a == b) != ne)?);
        }
        with_numeric!(x.dtype(), T => one(binary::<T, bool>(ctx, &x, &y, |a, b| (a.key() == b.key()) != ne)?))
    }
}

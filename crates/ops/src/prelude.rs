//! What every op file imports.
#![allow(unused_imports)]

pub use crate::kernel::{EvalCtx, Kernel, OpDef, ValueInfo};
pub use crate::util::args::{one, take};
pub use crate::util::elementwise::{binary, binary_inplace, unary, unary_inplace};
pub use crate::util::infer::{binary_infer, same_as_input};
pub use crate::util::num::Num;
pub use crate::{with_float, with_numeric};
pub use ward_graph::spec::dtypes::{ALL, BOOL, FLOAT, INDEX, INT, NUMERIC};
pub use ward_graph::{
    Arity, Attr, AttrsExt, Capability, Node, OpSpec, PartialShape, TypeAttr, TypeConstraint,
};
pub use ward_tensor::{DType, Element, Error, Result, Shape, Tensor, bf16, f16};

/// A required type attribute constraint.
pub const fn type_attr(attr: &'static str, allowed: &'static [DType]) -> TypeConstraint {
    TypeConstraint {
        attr,
        allowed,
        optional: false,
    }
}

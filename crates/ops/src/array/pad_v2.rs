//! PadV2: pads each dim with `constant_values` (a scalar of the input type).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/PadV2>

use super::pad::{infer_pad, pad};
use crate::prelude::*;
use crate::util::layout::{ELEMENTS, folded};
use crate::util::simple::check_input;
use ward_tensor::Budget;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "PadV2",
        inputs: Arity::Exact(3),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", ELEMENTS), type_attr("Tpaddings", INDEX)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct PadV2 {
    dtype: DType,
    tpad: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(PadV2 {
        dtype: node.attrs.dtype("T")?,
        tpad: node.attrs.dtype_or("Tpaddings", DType::I32)?,
    }))
}

fn run(budget: &Budget, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
    let [x, paddings, fill] = take(inputs)?;
    if fill.rank() != 0 {
        return Err(Error::invalid_argument(format!(
            "constant_values must be a scalar. Found: {}",
            fill.shape()
        )));
    }
    one(pad(budget, &x, &paddings, &fill)?)
}

impl Kernel for PadV2 {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        check_input(inputs, 1, Some(self.tpad))?;
        check_input(inputs, 2, Some(self.dtype))?;
        let info = ValueInfo::of(TypeAttr::Data(self.dtype), infer_pad(inputs)?);
        Ok(folded(vec![info], inputs, run))
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        run(ctx.budget, inputs)
    }
}

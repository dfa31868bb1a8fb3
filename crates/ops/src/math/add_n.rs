//! AddN: the elementwise sum of N tensors of one shape (no broadcasting),
//! added left to right; integers wrap.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/AddN>

use crate::prelude::*;
use crate::util::infer::merge_partial;
use crate::util::simple::check_input;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "AddN",
        inputs: Arity::IntAttr { attr: "N", base: 0 },
        outputs: Arity::Exact(1),
        types: &[type_attr("T", NUMERIC)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct AddN {
    dtype: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    if node.attrs.int("N")? < 1 {
        return Err(Error::invalid_argument("AddN needs N >= 1 inputs"));
    }
    Ok(Box::new(AddN {
        dtype: node.attrs.dtype("T")?,
    }))
}

impl Kernel for AddN {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        let mut shape = PartialShape::unknown();
        for (i, x) in inputs.iter().enumerate() {
            check_input(inputs, i, Some(self.dtype))?;
            shape = merge_partial(&shape, &x.shape)?;
        }
        Ok(vec![ValueInfo::of(TypeAttr::Data(self.dtype), shape)])
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let mut inputs = inputs.into_iter();
        let first = inputs
            .next()
            .ok_or_else(|| Error::invalid_argument("AddN needs at least one input"))?;
        let rest: Vec<Tensor> = inputs.collect();
        for (i, x) in rest.iter().enumerate() {
            if x.dims() != first.dims() || x.dtype() != first.dtype() {
                return Err(Error::invalid_argument(format!(
                    "Inputs to operation AddN must have the same size and shape. \
                     Input 0: {} {} != input {}: {} {}",
                    first.dtype(),
                    first.shape(),
                    i.saturating_add(1),
                    x.dtype(),
                    x.shape()
                )));
            }
        }
        with_numeric!(first.dtype(), T => one(add_n::<T>(ctx, first, &rest)?))
    }
}

fn add_n<T: Num>(ctx: &EvalCtx<'_>, first: Tensor, rest: &[Tensor]) -> Result<Tensor> {
    let mut acc = first;
    if acc.unique_slice_mut::<T>().is_none() {
        let copy = Tensor::from_slice(
            ctx.budget,
            acc.shape().clone(),
            acc.as_slice::<T>()?,
            "AddN output",
        )?;
        acc = copy;
    }
    let out = acc
        .unique_slice_mut::<T>()
        .ok_or_else(|| Error::internal("AddN accumulator is shared"))?;
    for x in rest {
        for (a, &b) in out.iter_mut().zip(x.as_slice::<T>()?) {
            *a = a.add(b);
        }
    }
    Ok(acc)
}

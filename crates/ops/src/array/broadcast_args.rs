//! BroadcastArgs: the broadcast of two shape vectors.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/BroadcastArgs>

use crate::prelude::*;
use crate::util::layout::{folded, int_tensor, to_i64};
use crate::util::simple::check_input;
use ward_tensor::Budget;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "BroadcastArgs",
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", INDEX)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct BroadcastArgs {
    dtype: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(BroadcastArgs {
        dtype: node.attrs.dtype_or("T", DType::I32)?,
    }))
}

fn run(budget: &Budget, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
    let [a, b] = take(inputs)?;
    let dims = |t: &Tensor| -> Result<Vec<usize>> {
        if t.rank() != 1 {
            return Err(Error::invalid_argument(format!(
                "Shape must be rank 1 but is rank {}",
                t.rank()
            )));
        }
        t.to_i64_vec()?
            .into_iter()
            .map(|d| {
                usize::try_from(d)
                    .map_err(|_| Error::invalid_argument(format!("dimension {d} is negative")))
            })
            .collect()
    };
    let out = ward_tensor::broadcast_shapes(&dims(&a)?, &dims(&b)?)?;
    let vals = out
        .dims()
        .iter()
        .map(|&d| to_i64(d))
        .collect::<Result<Vec<_>>>()?;
    one(int_tensor(
        budget,
        a.dtype(),
        Shape::vector(vals.len()),
        &vals,
    )?)
}

impl Kernel for BroadcastArgs {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        check_input(inputs, 1, Some(self.dtype))?;
        for i in 0..2 {
            if let Some(r) = inputs.get(i).and_then(|v| v.shape.rank())
                && r != 1
            {
                return Err(Error::invalid_argument(format!(
                    "Shape must be rank 1 but is rank {r}"
                )));
            }
        }
        let info = ValueInfo::of(TypeAttr::Data(self.dtype), PartialShape(Some(vec![None])));
        Ok(folded(vec![info], inputs, run))
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        run(ctx.budget, inputs)
    }
}

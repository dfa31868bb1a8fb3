//! Transpose: permutes the dims of `x` (output dim i is input dim perm[i]).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Transpose>

use crate::prelude::*;
use crate::util::layout::{ELEMENTS, check_perm, const_ints, folded, transpose};
use crate::util::simple::check_input;
use ward_tensor::Budget;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Transpose",
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", ELEMENTS), type_attr("Tperm", INDEX)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Transpose {
    dtype: DType,
    tperm: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Transpose {
        dtype: node.attrs.dtype("T")?,
        tperm: node.attrs.dtype_or("Tperm", DType::I32)?,
    }))
}

fn run(budget: &Budget, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
    let [x, perm] = take(inputs)?;
    if perm.rank() != 1 {
        return Err(Error::invalid_argument("perm must be a vector").at_input(1));
    }
    let perm = check_perm(&perm.to_i64_vec()?, x.rank())?;
    one(transpose(budget, &x, &perm)?)
}

impl Kernel for Transpose {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        check_input(inputs, 1, Some(self.tperm))?;
        let x = inputs
            .first()
            .ok_or_else(|| Error::invalid_argument("missing input"))?;
        let mut shape = PartialShape::unknown();
        if let Some(perm) = const_ints(inputs.get(1)) {
            shape = PartialShape(Some(vec![None; perm.len()]));
            if let Some(dims) = x.shape.dims() {
                let perm = check_perm(&perm, dims.len())?;
                shape = PartialShape(Some(
                    perm.iter()
                        .map(|&p| dims.get(p).copied().flatten())
                        .collect(),
                ));
            }
        } else if let Some(r) = x.shape.rank() {
            shape = PartialShape(Some(vec![None; r]));
        }
        let info = ValueInfo::of(TypeAttr::Data(self.dtype), shape);
        Ok(folded(vec![info], inputs, run))
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        run(ctx.budget, inputs)
    }
}

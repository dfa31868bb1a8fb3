//! ReadVariableOp: the value of a resource variable. ward runs inference
//! only, so a variable handle is bound at load to the variable's value
//! (see ward-tf's SavedModel loader) and reading it returns that value.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/ReadVariableOp>

use crate::prelude::*;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "ReadVariableOp",
        inputs: Arity::Exact(1),
        outputs: Arity::Exact(1),
        types: &[type_attr("dtype", ALL)],
        capability: Capability::VariableRead,
    },
    build,
};

#[derive(Debug)]
struct ReadVariableOp {
    dtype: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(ReadVariableOp {
        dtype: node.attrs.dtype("dtype")?,
    }))
}

impl Kernel for ReadVariableOp {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        let shape = inputs.first().map(|i| i.shape.clone()).unwrap_or_default();
        Ok(vec![ValueInfo::of(TypeAttr::Data(self.dtype), shape)])
    }
    fn eval(&self, _: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [value] = take(inputs)?;
        if value.dtype() != self.dtype {
            return Err(Error::invalid_argument(format!(
                "variable holds {} but ReadVariableOp reads {}",
                value.dtype(),
                self.dtype
            )));
        }
        one(value)
    }
}

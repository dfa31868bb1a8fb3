//! Const: a tensor held in the `value` attribute.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Const>

use crate::prelude::*;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Const",
        inputs: Arity::Exact(0),
        outputs: Arity::Exact(1),
        types: &[type_attr("dtype", ALL)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Const {
    value: Tensor,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    let dtype = node.attrs.dtype("dtype")?;
    let value = node.attrs.tensor("value")?.clone();
    if value.dtype() != dtype {
        return Err(Error::invalid_argument(format!(
            "value is {} but dtype is {dtype}",
            value.dtype()
        )));
    }
    Ok(Box::new(Const { value }))
}

impl Kernel for Const {
    fn infer(&self, _: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        Ok(vec![ValueInfo::constant(self.value.clone())])
    }
    fn eval(&self, _: &EvalCtx<'_>, _: Vec<Tensor>) -> Result<Vec<Tensor>> {
        one(self.value.clone())
    }
    fn constant(&self) -> Option<&Tensor> {
        Some(&self.value)
    }
}

//! Identity: returns its input unchanged (no copy).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Identity>

use crate::prelude::*;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Identity",
        inputs: Arity::Exact(1),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", ALL)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Identity;

fn build(_: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Identity))
}

impl Kernel for Identity {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        let x = inputs
            .first()
            .cloned()
            .ok_or_else(|| Error::invalid_argument("missing input"))?;
        Ok(vec![x])
    }
    fn eval(&self, _: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x] = take(inputs)?;
        one(x)
    }
}

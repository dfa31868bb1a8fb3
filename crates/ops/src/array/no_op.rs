//! NoOp: does nothing; used as a target for control dependencies.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/NoOp>

use crate::prelude::*;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "NoOp",
        inputs: Arity::Exact(0),
        outputs: Arity::Exact(0),
        types: &[],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct NoOp;

fn build(_: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(NoOp))
}

impl Kernel for NoOp {
    fn infer(&self, _: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        Ok(Vec::new())
    }
    fn eval(&self, _: &EvalCtx<'_>, _: Vec<Tensor>) -> Result<Vec<Tensor>> {
        Ok(Vec::new())
    }
}

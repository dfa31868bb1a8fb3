//! Switch: TF1 conditional routing. The data goes to `output_true` when
//! the predicate holds and to `output_false` otherwise; the other output is
//! a dead tensor. Deadness is the executor's business, so the executor runs
//! this op itself (ward-exec `switch`); the kernel here serves inference.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Switch>

use crate::prelude::*;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Switch",
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(2),
        types: &[type_attr("T", ALL)],
        capability: Capability::Control,
    },
    build,
};

#[derive(Debug)]
struct Switch;

fn build(_: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Switch))
}

impl Kernel for Switch {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        if let Some(r) = inputs.get(1).and_then(|p| p.shape.rank())
            && r != 0
        {
            return Err(Error::invalid_argument(format!(
                "Switch predicate must be a scalar, got rank {r}"
            )));
        }
        let data = inputs.first().cloned().unwrap_or_else(ValueInfo::unknown);
        let data = ValueInfo {
            value: None,
            ..data
        };
        Ok(vec![data.clone(), data])
    }
    fn eval(&self, _: &EvalCtx<'_>, _: Vec<Tensor>) -> Result<Vec<Tensor>> {
        Err(Error::internal(
            "Switch is executed by the executor, not as a kernel",
        ))
    }
}

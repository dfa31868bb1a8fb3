//! Assert: fails with InvalidArgument when `condition` (a bool scalar) is
//! false; the data inputs only go into the message. No outputs.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Assert>

use crate::prelude::*;
use crate::util::simple::check_input;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Assert",
        inputs: Arity::ListAttrLen { attr: "T", base: 1 },
        outputs: Arity::Exact(0),
        types: &[],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Assert {
    summarize: usize,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    if node.attrs.types("T")?.is_empty() {
        return Err(Error::invalid_argument(
            "Length for attr 'T' of 0 must be at least minimum 1",
        ));
    }
    let summarize = node.attrs.int_or("summarize", 3)?;
    Ok(Box::new(Assert {
        summarize: usize::try_from(summarize).unwrap_or(0).min(64),
    }))
}

impl Kernel for Assert {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(DType::Bool))?;
        Ok(Vec::new())
    }
    fn eval(&self, _: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let mut inputs = inputs.into_iter();
        let cond = inputs
            .next()
            .ok_or_else(|| Error::invalid_argument("missing condition"))?;
        if cond.rank() != 0 || cond.dtype() != DType::Bool {
            return Err(Error::invalid_argument(format!(
                "In[0] should be a bool scalar: {}",
                cond.shape()
            )));
        }
        if cond.as_slice::<bool>()?.first().copied() == Some(true) {
            return Ok(Vec::new());
        }
        let data: Vec<String> = inputs
            .map(|t| {
                let mut s = format!("{t:?}");
                s.truncate(self.summarize.saturating_mul(24).saturating_add(32));
                s
            })
            .collect();
        Err(Error::invalid_argument(format!(
            "assertion failed: [{}]",
            data.join("] [")
        )))
    }
}

//! If: calls `then_branch` or `else_branch` on the inputs depending on the
//! predicate (a scalar is true when nonzero, any other tensor when it has
//! elements).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/If>

use super::while_op::truthy;
use crate::prelude::*;

pub const DEF: OpDef = OpDef {
    spec: spec("If"),
    build,
};

pub(crate) const fn spec(name: &'static str) -> OpSpec {
    OpSpec {
        name,
        inputs: Arity::ListAttrLen {
            attr: "Tin",
            base: 1,
        },
        outputs: Arity::ListAttrLen {
            attr: "Tout",
            base: 0,
        },
        types: &[],
        capability: Capability::Control,
    }
}

#[derive(Debug)]
struct If {
    then_branch: String,
    else_branch: String,
    outputs: usize,
}

pub(crate) fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(If {
        then_branch: node.attrs.func("then_branch")?.name.clone(),
        else_branch: node.attrs.func("else_branch")?.name.clone(),
        outputs: node.attrs.types("Tout")?.len(),
    }))
}

impl Kernel for If {
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let mut inputs = inputs.into_iter();
        let cond = inputs
            .next()
            .ok_or_else(|| Error::invalid_argument("If needs a predicate"))?;
        let branch = if truthy(&cond)? {
            &self.then_branch
        } else {
            &self.else_branch
        };
        let outputs = ctx.functions.call(branch, inputs.collect(), ctx)?;
        if outputs.len() != self.outputs {
            return Err(Error::invalid_argument(format!(
                "branch '{branch}' returned {} values, Tout declares {}",
                outputs.len(),
                self.outputs
            )));
        }
        Ok(outputs)
    }
}

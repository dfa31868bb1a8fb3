//! Case: calls `branches[branch_index]`; an out-of-range index runs the
//! last branch, as in TF.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Case>

use crate::prelude::*;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Case",
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
    },
    build,
};

#[derive(Debug)]
struct Case {
    branches: Vec<String>,
    outputs: usize,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    let branches: Vec<String> = match node.attrs.get("branches") {
        Some(Attr::FuncList(fs)) => fs.iter().map(|f| f.name.clone()).collect(),
        _ => Vec::new(),
    };
    if branches.is_empty() {
        return Err(Error::invalid_argument("Case needs at least one branch"));
    }
    Ok(Box::new(Case {
        branches,
        outputs: node.attrs.types("Tout")?.len(),
    }))
}

impl Kernel for Case {
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let mut inputs = inputs.into_iter();
        let index = inputs
            .next()
            .ok_or_else(|| Error::invalid_argument("Case needs a branch index"))?;
        if index.rank() != 0 {
            return Err(Error::invalid_argument(format!(
                "branch_index must be a scalar, got shape {}",
                index.shape()
            )));
        }
        let i = index.to_i64_vec()?.first().copied().unwrap_or(-1);
        let last = self.branches.len().saturating_sub(1);
        let chosen = usize::try_from(i)
            .ok()
            .filter(|&i| i <= last)
            .unwrap_or(last);
        let branch = self
            .branches
            .get(chosen)
            .ok_or_else(|| Error::internal("no branch"))?;
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

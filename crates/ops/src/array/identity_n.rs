//! IdentityN: returns its inputs unchanged, one output per input; `T` lists
//! their types.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/IdentityN>

use crate::prelude::*;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "IdentityN",
        inputs: Arity::ListAttrLen { attr: "T", base: 0 },
        outputs: Arity::ListAttrLen { attr: "T", base: 0 },
        types: &[],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct IdentityN {
    types: Vec<DType>,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    let types = node
        .attrs
        .types("T")?
        .into_iter()
        .map(|t| match t {
            TypeAttr::Data(d) => Ok(d),
            other => Err(Error::unimplemented(format!(
                "IdentityN of {other} is not supported"
            ))),
        })
        .collect::<Result<Vec<_>>>()?;
    if types.is_empty() {
        return Err(Error::invalid_argument(
            "IdentityN needs at least one input",
        ));
    }
    Ok(Box::new(IdentityN { types }))
}

impl Kernel for IdentityN {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        if inputs.len() != self.types.len() {
            return Err(Error::invalid_argument(format!(
                "IdentityN expects {} inputs but has {}",
                self.types.len(),
                inputs.len()
            )));
        }
        for (i, (x, want)) in inputs.iter().zip(&self.types).enumerate() {
            if let Some(got) = x.dtype
                && got != TypeAttr::Data(*want)
            {
                return Err(Error::invalid_argument(format!(
                    "input {i} has type {got} but T lists {want}"
                )));
            }
        }
        Ok(inputs.to_vec())
    }
    fn eval(&self, _: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        if inputs.len() != self.types.len() {
            return Err(Error::invalid_argument(format!(
                "IdentityN expects {} inputs but has {}",
                self.types.len(),
                inputs.len()
            )));
        }
        for (i, (x, want)) in inputs.iter().zip(&self.types).enumerate() {
            if x.dtype() != *want {
                return Err(Error::invalid_argument(format!(
                    "input {i} has type {} but T lists {want}",
                    x.dtype()
                )));
            }
        }
        Ok(inputs)
    }
}

//! PartitionedCall: calls the function `f` on the inputs.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/PartitionedCall>

use crate::prelude::*;

pub const DEF: OpDef = OpDef {
    spec: spec("PartitionedCall"),
    build,
};

pub(crate) const fn spec(name: &'static str) -> OpSpec {
    OpSpec {
        name,
        inputs: Arity::ListAttrLen {
            attr: "Tin",
            base: 0,
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
struct Call {
    function: String,
    outputs: usize,
}

pub(crate) fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Call {
        function: node.attrs.func("f")?.name.clone(),
        outputs: node.attrs.types("Tout")?.len(),
    }))
}

impl Kernel for Call {
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let outputs = ctx.functions.call(&self.function, inputs, ctx)?;
        if outputs.len() != self.outputs {
            return Err(Error::invalid_argument(format!(
                "function '{}' returned {} values, Tout declares {}",
                self.function,
                outputs.len(),
                self.outputs
            )));
        }
        Ok(outputs)
    }
}

//! Merge: forwards the first live (non-dead) input and its index; joins the
//! branches of a TF1 conditional. The executor runs it (ward-exec `merge`)
//! because it consumes dead tensors; the kernel here serves inference.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Merge>

use crate::prelude::*;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Merge",
        inputs: Arity::IntAttr { attr: "N", base: 0 },
        outputs: Arity::Exact(2),
        types: &[type_attr("T", ALL)],
        capability: Capability::Control,
    },
    build,
};

#[derive(Debug)]
struct Merge;

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    if node.attrs.int("N")? < 1 {
        return Err(Error::invalid_argument("Merge needs at least one input"));
    }
    Ok(Box::new(Merge))
}

impl Kernel for Merge {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        // Branches may differ in shape; only a shape they all share is known.
        let first = inputs.first().cloned().unwrap_or_else(ValueInfo::unknown);
        let same = inputs.iter().all(|i| i.shape == first.shape);
        let shape = if same {
            first.shape.clone()
        } else {
            PartialShape::unknown()
        };
        Ok(vec![
            ValueInfo::of_opt(first.dtype, shape),
            ValueInfo::of(TypeAttr::Data(DType::I32), PartialShape::known(&[])),
        ])
    }
    fn eval(&self, _: &EvalCtx<'_>, _: Vec<Tensor>) -> Result<Vec<Tensor>> {
        Err(Error::internal(
            "Merge is executed by the executor, not as a kernel",
        ))
    }
}

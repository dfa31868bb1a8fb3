//! Placeholder: a graph input, fed by the caller.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Placeholder>

use crate::prelude::*;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Placeholder",
        inputs: Arity::Exact(0),
        outputs: Arity::Exact(1),
        types: &[type_attr("dtype", ALL)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Placeholder {
    dtype: DType,
    shape: PartialShape,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Placeholder {
        dtype: node.attrs.dtype("dtype")?,
        shape: node.attrs.shape_attr("shape")?.unwrap_or_default(),
    }))
}

impl Kernel for Placeholder {
    fn infer(&self, _: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        Ok(vec![ValueInfo::of(
            TypeAttr::Data(self.dtype),
            self.shape.clone(),
        )])
    }
    fn eval(&self, _: &EvalCtx<'_>, _: Vec<Tensor>) -> Result<Vec<Tensor>> {
        Err(Error::invalid_argument(format!(
            "a value must be fed for this placeholder ({} {})",
            self.dtype, self.shape
        )))
    }
}

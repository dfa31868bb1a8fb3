//! _Arg: a function parameter, fed by the caller of the function.

use crate::prelude::*;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "_Arg",
        inputs: Arity::Exact(0),
        outputs: Arity::Exact(1),
        // Any type, including resource handles.
        types: &[],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct FunctionArg {
    dtype: TypeAttr,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(FunctionArg {
        dtype: node.attrs.type_attr("T")?,
    }))
}

impl Kernel for FunctionArg {
    fn infer(&self, _: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        Ok(vec![ValueInfo::of(self.dtype, PartialShape::unknown())])
    }
    fn eval(&self, _: &EvalCtx<'_>, _: Vec<Tensor>) -> Result<Vec<Tensor>> {
        Err(Error::internal("function argument was not fed"))
    }
}

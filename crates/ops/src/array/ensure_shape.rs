//! EnsureShape: passes `input` through, failing unless its shape is
//! compatible with `shape`.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/EnsureShape>

use crate::prelude::*;
use crate::util::infer::merge_partial;
use crate::util::simple::check_input;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "EnsureShape",
        inputs: Arity::Exact(1),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", ALL)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct EnsureShape {
    dtype: DType,
    shape: PartialShape,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    let shape = node.attrs.shape_attr("shape")?.unwrap_or_default();
    // TF 2.21's shape function rejects an unknown-rank `shape` attribute
    // for any ranked input; an unknown rank checks nothing anyway.
    if shape.rank().is_none() {
        return Err(Error::invalid_argument(
            "EnsureShape needs a shape of known rank",
        ));
    }
    Ok(Box::new(EnsureShape {
        dtype: node.attrs.dtype("T")?,
        shape,
    }))
}

impl Kernel for EnsureShape {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        let x = inputs
            .first()
            .ok_or_else(|| Error::invalid_argument("missing input"))?;
        let shape = merge_partial(&self.shape, &x.shape)?;
        Ok(vec![ValueInfo {
            dtype: Some(TypeAttr::Data(self.dtype)),
            shape,
            value: x.value.clone(),
        }])
    }
    fn eval(&self, _: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x] = take(inputs)?;
        if !self.shape.accepts(x.dims()) {
            return Err(Error::invalid_argument(format!(
                "Shape of tensor {} is not compatible with expected shape {}.",
                x.shape(),
                self.shape
            )));
        }
        one(x)
    }
}

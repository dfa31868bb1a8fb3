//! PlaceholderWithDefault: passes `input` through unless the caller feeds
//! a value; the default must be compatible with `shape`.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/PlaceholderWithDefault>

use crate::prelude::*;
use crate::util::infer::merge_partial;
use crate::util::simple::check_input;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "PlaceholderWithDefault",
        inputs: Arity::Exact(1),
        outputs: Arity::Exact(1),
        types: &[type_attr("dtype", ALL)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct PlaceholderWithDefault {
    dtype: DType,
    shape: PartialShape,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(PlaceholderWithDefault {
        dtype: node.attrs.dtype("dtype")?,
        shape: node.attrs.shape_attr("shape")?.unwrap_or_default(),
    }))
}

impl Kernel for PlaceholderWithDefault {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        let input = inputs
            .first()
            .map_or(PartialShape::unknown(), |x| x.shape.clone());
        let merged = merge_partial(&self.shape, &input)?;
        // A fed value may have any shape the attribute allows; without a
        // declared rank, the default's shape is all that is known.
        let shape = if self.shape.rank().is_some() {
            self.shape.clone()
        } else {
            merged
        };
        Ok(vec![ValueInfo::of(TypeAttr::Data(self.dtype), shape)])
    }
    fn eval(&self, _: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x] = take(inputs)?;
        if x.dtype() != self.dtype {
            return Err(Error::invalid_argument(format!(
                "default has type {} but dtype is {}",
                x.dtype(),
                self.dtype
            )));
        }
        if !self.shape.accepts(x.dims()) {
            return Err(Error::invalid_argument(format!(
                "default shape {} is not compatible with {}",
                x.shape(),
                self.shape
            )));
        }
        one(x)
    }
}

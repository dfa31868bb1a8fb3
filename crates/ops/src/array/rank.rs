//! Rank: the number of dims of its input as an int32 scalar.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Rank>

use crate::prelude::*;
use crate::util::layout::rank_i64;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Rank",
        inputs: Arity::Exact(1),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", ALL)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Rank;

fn build(_: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Rank))
}

fn rank_i32(rank: usize) -> Result<i32> {
    i32::try_from(rank_i64(rank)).map_err(|_| Error::overflow("rank"))
}

impl Kernel for Rank {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        let value = inputs
            .first()
            .and_then(|x| x.shape.rank())
            .and_then(|r| rank_i32(r).ok())
            .map(Tensor::scalar);
        Ok(vec![ValueInfo {
            dtype: Some(TypeAttr::Data(DType::I32)),
            shape: PartialShape::known(&[]),
            value,
        }])
    }
    fn eval(&self, _: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x] = take(inputs)?;
        one(Tensor::scalar(rank_i32(x.rank())?))
    }
}

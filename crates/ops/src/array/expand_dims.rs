//! ExpandDims: inserts a dim of size 1 at `dim` (negative counts from the end).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/ExpandDims>

use crate::prelude::*;
use crate::util::layout::{const_ints, rank_i64};
use crate::util::simple::check_input;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "ExpandDims",
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", ALL), type_attr("Tdim", INDEX)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct ExpandDims {
    dtype: DType,
    tdim: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(ExpandDims {
        dtype: node.attrs.dtype("T")?,
        tdim: node.attrs.dtype_or("Tdim", DType::I32)?,
    }))
}

/// The insertion position for `dim` in a value of `rank`.
fn position(dim: &[i64], rank: usize) -> Result<usize> {
    let [d] = dim else {
        return Err(Error::invalid_argument(format!(
            "'dim' input must be a tensor with a single value, but has {} values",
            dim.len()
        )));
    };
    let r = rank_i64(rank);
    let pos = if *d < 0 {
        d.checked_add(r).and_then(|v| v.checked_add(1))
    } else {
        Some(*d)
    };
    match pos {
        Some(p) if (0..=r).contains(&p) => usize::try_from(p).map_err(|_| Error::overflow("dim")),
        _ => Err(Error::invalid_argument(format!(
            "dim {d} not in the interval [{}, {r}]",
            r.saturating_add(1).saturating_neg()
        ))),
    }
}

impl Kernel for ExpandDims {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        check_input(inputs, 1, Some(self.tdim))?;
        let x = inputs
            .first()
            .ok_or_else(|| Error::invalid_argument("missing input"))?;
        let mut shape = PartialShape::unknown();
        if let (Some(dims), Some(dim)) = (x.shape.dims(), const_ints(inputs.get(1))) {
            let p = position(&dim, dims.len())?;
            let mut d = dims.to_vec();
            d.insert(p.min(d.len()), Some(1));
            shape = PartialShape(Some(d));
        }
        let value = match (&x.value, shape.concrete()) {
            (Some(v), Some(d)) => Shape::new(d).ok().and_then(|s| v.reshaped(s).ok()),
            _ => None,
        };
        Ok(vec![ValueInfo {
            dtype: Some(TypeAttr::Data(self.dtype)),
            shape,
            value,
        }])
    }
    fn eval(&self, _: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x, dim] = take(inputs)?;
        let p = position(&dim.to_i64_vec()?, x.rank())?;
        let mut dims = x.dims().to_vec();
        dims.insert(p.min(dims.len()), 1);
        one(x.reshaped(Shape::new(dims)?)?)
    }
}

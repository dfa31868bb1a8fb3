//! Squeeze: removes dims of size 1 (all of them, or those in `squeeze_dims`).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Squeeze>

use crate::prelude::*;
use crate::util::simple::check_input;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Squeeze",
        inputs: Arity::Exact(1),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", ALL)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Squeeze {
    dtype: DType,
    axes: Vec<i64>,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Squeeze {
        dtype: node.attrs.dtype("T")?,
        axes: node.attrs.ints_or("squeeze_dims", &[])?,
    }))
}

impl Squeeze {
    /// Which dims to drop, for dims that may be unknown (`None`).
    fn drop_mask(&self, dims: &[Option<usize>]) -> Result<Vec<bool>> {
        let rank = dims.len();
        let mut drop = vec![false; rank];
        if self.axes.is_empty() {
            for (slot, d) in drop.iter_mut().zip(dims) {
                *slot = *d == Some(1);
            }
            return Ok(drop);
        }
        for &a in &self.axes {
            let axis = ward_tensor::normalize_axis(a, rank).map_err(|_| {
                Error::invalid_argument(format!(
                    "Tried to squeeze dim index {a} for tensor with {rank} dimensions."
                ))
            })?;
            match dims.get(axis).copied().flatten() {
                Some(1) | None => {}
                Some(d) => {
                    return Err(Error::invalid_argument(format!(
                        "Can not squeeze dim[{axis}], expected a dimension of 1, got {d}"
                    )));
                }
            }
            if let Some(slot) = drop.get_mut(axis) {
                *slot = true;
            }
        }
        Ok(drop)
    }
}

impl Kernel for Squeeze {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        let x = inputs
            .first()
            .ok_or_else(|| Error::invalid_argument("missing input"))?;
        let mut shape = PartialShape::unknown();
        if let Some(dims) = x.shape.dims() {
            // With no explicit axes, an unknown dim might be 1: unknown rank.
            if !self.axes.is_empty() || dims.iter().all(Option::is_some) {
                let drop = self.drop_mask(dims)?;
                shape = PartialShape(Some(
                    dims.iter()
                        .zip(&drop)
                        .filter(|(_, d)| !**d)
                        .map(|(v, _)| *v)
                        .collect(),
                ));
            }
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
        let [x] = take(inputs)?;
        let dims: Vec<Option<usize>> = x.dims().iter().map(|&d| Some(d)).collect();
        let drop = self.drop_mask(&dims)?;
        let out: Vec<usize> = x
            .dims()
            .iter()
            .zip(&drop)
            .filter(|(_, d)| !**d)
            .map(|(v, _)| *v)
            .collect();
        one(x.reshaped(Shape::new(out)?)?)
    }
}

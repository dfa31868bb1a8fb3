//! Reshape: the same elements with another shape; one dim may be -1.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Reshape>

use crate::prelude::*;
use crate::util::layout::{const_ints, known_dtype, to_usize};
use crate::util::simple::check_input;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Reshape",
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", ALL), type_attr("Tshape", INDEX)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Reshape {
    dtype: DType,
    tshape: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Reshape {
        dtype: node.attrs.dtype("T")?,
        tshape: node.attrs.dtype("Tshape")?,
    }))
}

/// Resolves a requested shape (with at most one -1) against the input
/// dims, when known, as TF does: zero-sized dims are left out of the -1
/// computation when the request has a zero dim too. Returns `None` for a
/// -1 that cannot be resolved yet.
fn resolve(spec: &[i64], input: Option<&[usize]>) -> Result<Vec<Option<usize>>> {
    let mut unknown = None;
    let mut product = 1usize;
    let mut has_zero = false;
    let mut dims = Vec::with_capacity(spec.len());
    for (i, &d) in spec.iter().enumerate() {
        if d == -1 {
            if let Some(j) = unknown {
                return Err(Error::invalid_argument(format!(
                    "Only one input size may be -1, not both {j} and {i}"
                )));
            }
            unknown = Some(i);
            dims.push(None);
        } else {
            let d = to_usize(d, "shape dimension").map_err(|_| {
                Error::invalid_argument(format!("Invalid value in tensor used for shape: {d}"))
            })?;
            if d == 0 {
                has_zero = true;
            } else {
                product = product
                    .checked_mul(d)
                    .ok_or_else(|| Error::invalid_argument("Reshape: shape is too large"))?;
            }
            dims.push(Some(d));
        }
    }
    let Some(input) = input else {
        return Ok(dims);
    };
    let count = ward_tensor::checked_product(input)?;
    if let Some(i) = unknown {
        let mut counted = 1usize;
        let mut input_has_zero = false;
        for &d in input {
            if d > 0 || !has_zero {
                counted = counted
                    .checked_mul(d)
                    .ok_or_else(|| Error::overflow("reshape"))?;
            } else {
                input_has_zero = true;
            }
        }
        let missing = counted.checked_div(product).unwrap_or(0);
        if !input_has_zero && product.checked_mul(missing) != Some(counted) {
            return Err(Error::invalid_argument(format!(
                "Input to reshape is a tensor with {count} values, but the requested shape requires a multiple of {product}"
            )));
        }
        if let Some(slot) = dims.get_mut(i) {
            *slot = Some(missing);
        }
    }
    let total = dims
        .iter()
        .try_fold(1usize, |acc, d| acc.checked_mul(d.unwrap_or(1)))
        .ok_or_else(|| Error::invalid_argument("Reshape: shape is too large"))?;
    if total != count {
        return Err(Error::invalid_argument(format!(
            "Cannot reshape a tensor with {count} elements to a shape with {total} elements"
        )));
    }
    Ok(dims)
}

impl Kernel for Reshape {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        check_input(inputs, 1, Some(self.tshape))?;
        if let Some(r) = inputs.get(1).and_then(|s| s.shape.rank())
            && r != 1
        {
            return Err(Error::invalid_argument(format!(
                "Shape must be rank 1 but is rank {r}"
            )));
        }
        let x = inputs.first();
        let input = x.and_then(|x| x.shape.concrete());
        let shape = match const_ints(inputs.get(1)) {
            Some(spec) => PartialShape(Some(resolve(&spec, input.as_deref())?)),
            None => match inputs.get(1).and_then(|s| s.shape.concrete()) {
                Some(d) => PartialShape(Some(vec![None; d.first().copied().unwrap_or(0)])),
                None => PartialShape::unknown(),
            },
        };
        let value = match (x.and_then(|x| x.value.as_ref()), shape.concrete()) {
            (Some(v), Some(d)) => Shape::new(d).ok().and_then(|s| v.reshaped(s).ok()),
            _ => None,
        };
        Ok(vec![ValueInfo {
            dtype: known_dtype(x)
                .map(TypeAttr::Data)
                .or(Some(TypeAttr::Data(self.dtype))),
            shape,
            value,
        }])
    }
    fn eval(&self, _: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x, shape] = take(inputs)?;
        if shape.rank() != 1 {
            return Err(Error::invalid_argument(format!(
                "shape must be a vector, got rank {}",
                shape.rank()
            ))
            .at_input(1));
        }
        let spec = shape.to_i64_vec()?;
        let dims = resolve(&spec, Some(x.dims()))?
            .into_iter()
            .map(|d| d.ok_or_else(|| Error::internal("unresolved reshape dim")))
            .collect::<Result<Vec<_>>>()?;
        one(x.reshaped(Shape::new(dims)?)?)
    }
}

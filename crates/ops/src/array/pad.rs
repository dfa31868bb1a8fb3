//! Pad: pads each dim with zeros (`paddings` is `[rank, 2]`: before, after).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Pad>

use crate::prelude::*;
use crate::util::layout::{ELEMENTS, const_ints, folded, oob, strides, to_usize};
use crate::util::simple::check_input;
use ward_tensor::Budget;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Pad",
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", ELEMENTS), type_attr("Tpaddings", INDEX)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Pad {
    dtype: DType,
    tpad: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Pad {
        dtype: node.attrs.dtype("T")?,
        tpad: node.attrs.dtype_or("Tpaddings", DType::I32)?,
    }))
}

/// Checks a `[rank, 2]` paddings shape.
pub fn check_paddings_shape(pdims: &[usize], rank: usize) -> Result<()> {
    if pdims != [rank, 2] {
        return Err(Error::invalid_argument(format!(
            "paddings must be a matrix with 2 columns and {rank} rows, got shape {pdims:?}"
        )));
    }
    Ok(())
}

/// (before, after) pairs from flat paddings values; negatives rejected.
pub fn pairs(values: &[i64]) -> Result<Vec<(usize, usize)>> {
    values
        .chunks(2)
        .map(|c| match c {
            [b, a] => {
                let f = |v: i64| {
                    to_usize(v, "padding").map_err(|_| {
                        Error::invalid_argument(format!("Paddings must be non-negative: {b} {a}"))
                    })
                };
                Ok((f(*b)?, f(*a)?))
            }
            _ => Err(Error::invalid_argument("paddings must have 2 columns")),
        })
        .collect()
}

/// Output dims for padded `dims` (unknown dims stay unknown).
pub fn padded_dims(dims: &[Option<usize>], pads: &[(usize, usize)]) -> Vec<Option<usize>> {
    dims.iter()
        .zip(pads)
        .map(|(d, &(b, a))| d.and_then(|d| d.checked_add(b)?.checked_add(a)))
        .collect()
}

/// Partial shape inference shared by Pad and PadV2.
pub fn infer_pad(inputs: &[ValueInfo]) -> Result<PartialShape> {
    let dims = inputs.first().and_then(|v| v.shape.dims());
    if let (Some(d), Some(p)) = (dims, inputs.get(1).and_then(|v| v.shape.concrete())) {
        check_paddings_shape(&p, d.len())?;
    }
    Ok(match (dims, const_ints(inputs.get(1))) {
        (Some(d), Some(p)) => PartialShape(Some(padded_dims(d, &pairs(&p)?))),
        (Some(d), None) => PartialShape(Some(vec![None; d.len()])),
        _ => PartialShape::unknown(),
    })
}

/// Pads `x` with `fill` (a scalar of x's type).
pub fn pad(budget: &Budget, x: &Tensor, paddings: &Tensor, fill: &Tensor) -> Result<Tensor> {
    check_paddings_shape(paddings.dims(), x.rank())?;
    let pads = pairs(&paddings.to_i64_vec()?)?;
    let dims: Vec<Option<usize>> = x.dims().iter().map(|&d| Some(d)).collect();
    let out_dims = padded_dims(&dims, &pads)
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| Error::invalid_argument("padded shape is too large"))?;
    if fill.dtype() != x.dtype() || fill.len() != 1 {
        return Err(Error::invalid_argument(format!(
            "constant_values must be a scalar of the input's type. Found: {}",
            fill.shape()
        )));
    }
    fn typed<T: Element>(
        budget: &Budget,
        x: &Tensor,
        fill: &Tensor,
        pads: &[(usize, usize)],
        out_dims: Vec<usize>,
    ) -> Result<Tensor> {
        let shape = Shape::new(out_dims)?;
        let n = shape.num_elements()?;
        let value = *fill.as_slice::<T>()?.first().ok_or_else(oob)?;
        let (mut out, lease) = budget.alloc_vec::<T>(n, value, "Pad output")?;
        let src = x.as_slice::<T>()?;
        let in_dims = x.dims();
        if !src.is_empty() {
            let ost = strides(shape.dims());
            let Some((&row, outer)) = in_dims.split_last() else {
                // A scalar is its own (unpadded) output.
                return Tensor::from_slice(budget, shape, src, "Pad output");
            };
            let mut counter = vec![0usize; outer.len()];
            let mut read = 0usize;
            loop {
                let mut at = 0usize;
                for (j, (&c, &(b, _))) in counter.iter().zip(pads).enumerate() {
                    let s = *ost.get(j).ok_or_else(oob)?;
                    at = c
                        .checked_add(b)
                        .and_then(|v| v.checked_mul(s))
                        .and_then(|v| v.checked_add(at))
                        .ok_or_else(oob)?;
                }
                let before_last = pads.last().map_or(0, |p| p.0);
                let start = at.checked_add(before_last).ok_or_else(oob)?;
                let end = start.checked_add(row).ok_or_else(oob)?;
                let rend = read.checked_add(row).ok_or_else(oob)?;
                out.get_mut(start..end)
                    .ok_or_else(oob)?
                    .copy_from_slice(src.get(read..rend).ok_or_else(oob)?);
                read = rend;
                let mut axis = outer.len();
                loop {
                    let Some(a) = axis.checked_sub(1) else {
                        return Tensor::from_vec(shape, out, Some(lease));
                    };
                    axis = a;
                    let (Some(c), Some(&d)) = (counter.get_mut(axis), outer.get(axis)) else {
                        return Err(oob());
                    };
                    *c = c.saturating_add(1);
                    if *c < d {
                        break;
                    }
                    *c = 0;
                }
            }
        }
        Tensor::from_vec(shape, out, Some(lease))
    }
    crate::with_element!(x.dtype(), T => typed::<T>(budget, x, fill, &pads, out_dims))
}

/// A zero scalar of `dtype`.
pub fn zero(dtype: DType) -> Result<Tensor> {
    crate::with_element!(dtype, T => Ok(Tensor::scalar(T::default())))
}

fn run(budget: &Budget, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
    let [x, paddings] = take(inputs)?;
    let fill = zero(x.dtype())?;
    one(pad(budget, &x, &paddings, &fill)?)
}

impl Kernel for Pad {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        check_input(inputs, 1, Some(self.tpad))?;
        let info = ValueInfo::of(TypeAttr::Data(self.dtype), infer_pad(inputs)?);
        Ok(folded(vec![info], inputs, run))
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        run(ctx.budget, inputs)
    }
}

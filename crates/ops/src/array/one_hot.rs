//! OneHot: `on_value` where the index matches, `off_value` elsewhere; the
//! new depth dim goes at `axis` (-1: last). Out-of-range indices give an
//! all-`off_value` row, as in TF.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/OneHot>

use crate::prelude::*;
use crate::util::layout::{ELEMENTS, const_ints, folded, oob, product, rank_i64};
use crate::util::simple::check_input;
use ward_tensor::Budget;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "OneHot",
        inputs: Arity::Exact(4),
        outputs: Arity::Exact(1),
        types: &[
            type_attr("T", ELEMENTS),
            type_attr("TI", &[DType::U8, DType::I8, DType::I32, DType::I64]),
        ],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct OneHot {
    dtype: DType,
    ti: DType,
    axis: i64,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    let axis = node.attrs.int_or("axis", -1)?;
    if axis < -1 {
        return Err(Error::invalid_argument("axis must be >= -1"));
    }
    Ok(Box::new(OneHot {
        dtype: node.attrs.dtype("T")?,
        ti: node.attrs.dtype_or("TI", DType::I64)?,
        axis,
    }))
}

impl OneHot {
    /// Where the depth dim goes for indices of `rank`.
    fn axis(&self, rank: usize) -> Result<usize> {
        if self.axis == -1 {
            return Ok(rank);
        }
        let r = rank_i64(rank);
        if self.axis > r {
            return Err(Error::invalid_argument(format!(
                "Expected axis to be -1 or between [0, {}). But received: {}",
                r.saturating_add(1),
                self.axis
            )));
        }
        usize::try_from(self.axis).map_err(|_| oob())
    }

    fn run(&self, budget: &Budget, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [indices, depth, on, off] = take(inputs)?;
        if depth.rank() != 0 {
            return Err(Error::invalid_argument("depth must be a scalar"));
        }
        for (name, t) in [("on_value", &on), ("off_value", &off)] {
            if t.rank() != 0 {
                return Err(Error::invalid_argument(format!(
                    "{name} must be a scalar, but got: {}",
                    t.shape()
                )));
            }
        }
        let d = depth.to_i64_vec()?.first().copied().unwrap_or(0);
        let depth = usize::try_from(d).map_err(|_| {
            Error::invalid_argument(format!("depth must be non-negative, got: {d}"))
        })?;
        let axis = self.axis(indices.rank())?;
        let mut out_dims = indices.dims().to_vec();
        out_dims.insert(axis.min(out_dims.len()), depth);
        let shape = Shape::new(out_dims)
            .map_err(|_| Error::invalid_argument("OneHot output is too large"))?;
        let idx = indices.to_i64_vec()?;
        let outer = product(indices.dims().get(..axis).ok_or_else(oob)?)?;
        let inner = product(indices.dims().get(axis..).unwrap_or(&[]))?;
        fn typed<T: Element>(
            budget: &Budget,
            shape: Shape,
            idx: &[i64],
            on: &Tensor,
            off: &Tensor,
            [outer, depth, inner]: [usize; 3],
        ) -> Result<Tensor> {
            let on = *on.as_slice::<T>()?.first().ok_or_else(oob)?;
            let off = *off.as_slice::<T>()?.first().ok_or_else(oob)?;
            let n = shape.num_elements()?;
            let (mut out, lease) = budget.alloc_vec::<T>(n, off, "OneHot output")?;
            for o in 0..outer {
                for i in 0..inner {
                    let at = o
                        .checked_mul(inner)
                        .and_then(|v| v.checked_add(i))
                        .ok_or_else(oob)?;
                    let v = *idx.get(at).ok_or_else(oob)?;
                    let Ok(k) = usize::try_from(v) else { continue };
                    if k >= depth {
                        continue;
                    }
                    let pos = o
                        .checked_mul(depth)
                        .and_then(|v| v.checked_add(k))
                        .and_then(|v| v.checked_mul(inner))
                        .and_then(|v| v.checked_add(i))
                        .ok_or_else(oob)?;
                    *out.get_mut(pos).ok_or_else(oob)? = on;
                }
            }
            Tensor::from_vec(shape, out, Some(lease))
        }
        if on.dtype() != off.dtype() {
            return Err(Error::invalid_argument(
                "on_value and off_value differ in type",
            ));
        }
        let sizes = [outer, depth, inner];
        one(
            crate::with_element!(on.dtype(), T => typed::<T>(budget, shape, &idx, &on, &off, sizes))?,
        )
    }
}

impl Kernel for OneHot {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.ti))?;
        check_input(inputs, 1, Some(DType::I32))?;
        check_input(inputs, 2, Some(self.dtype))?;
        check_input(inputs, 3, Some(self.dtype))?;
        if let Some(r) = inputs.get(1).and_then(|v| v.shape.rank())
            && r != 0
        {
            return Err(Error::invalid_argument(format!(
                "Input must be scalar but has rank {r}"
            )));
        }
        let depth = match const_ints(inputs.get(1)).as_deref() {
            Some([d]) => Some(usize::try_from(*d).map_err(|_| {
                Error::invalid_argument(format!(
                    "Dimension size, given by scalar input 1, must be non-negative but is {d}"
                ))
            })?),
            _ => None,
        };
        let shape = match inputs.first().and_then(|v| v.shape.dims()) {
            Some(dims) => {
                let a = self.axis(dims.len())?;
                let mut d = dims.to_vec();
                d.insert(a.min(d.len()), depth);
                PartialShape(Some(d))
            }
            None => PartialShape::unknown(),
        };
        let info = ValueInfo::of(TypeAttr::Data(self.dtype), shape);
        Ok(folded(vec![info], inputs, |b, t| self.run(b, t)))
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        self.run(ctx.budget, inputs)
    }
}

//! ClipByValue: `max(min(t, clip_value_max), clip_value_min)` elementwise;
//! each bound is a scalar or has `t`'s shape. NaN in `t` stays NaN, as in
//! TF (`std::min`/`std::max` keep their first operand when unordered).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/ClipByValue>

use crate::prelude::*;
use crate::util::arith::Arith;
use crate::util::dtypes::CLIP;
use crate::util::simple::check_input;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "ClipByValue",
        inputs: Arity::Exact(3),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", CLIP)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct ClipByValue {
    dtype: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(ClipByValue {
        dtype: node.attrs.dtype("T")?,
    }))
}

impl Kernel for ClipByValue {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        for i in 0..3 {
            check_input(inputs, i, Some(self.dtype))?;
        }
        same_as_input(inputs)
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [t, lo, hi] = take(inputs)?;
        let fits = |b: &Tensor| b.rank() == 0 || b.dims() == t.dims();
        if !fits(&lo) || !fits(&hi) {
            return Err(Error::invalid_argument(format!(
                "clip_value_min and clip_value_max must be either of the same shape as input, \
                 or a scalar. input shape: {} clip_value_min shape: {} clip_value_max shape: {}",
                t.shape(),
                lo.shape(),
                hi.shape()
            )));
        }
        with_numeric!(t.dtype(), T => one(clip::<T>(ctx, t, &lo, &hi)?))
    }
}

fn clip<T: Arith>(ctx: &EvalCtx<'_>, t: Tensor, lo: &Tensor, hi: &Tensor) -> Result<Tensor> {
    let (lv, hv) = (lo.as_slice::<T>()?, hi.as_slice::<T>()?);
    let bound = |v: &[T], i: usize| -> Result<T> {
        v.get(if v.len() == 1 { 0 } else { i })
            .copied()
            .ok_or_else(|| Error::internal("clip bound index out of range"))
    };
    let xs = t.as_slice::<T>()?;
    let (mut out, lease) = ctx
        .budget
        .alloc_empty::<T>(xs.len(), "ClipByValue output")?;
    for (i, &x) in xs.iter().enumerate() {
        let (l, h) = (bound(lv, i)?, bound(hv, i)?);
        // std::min(x, h) then std::max(_, l).
        let m = if h.key() < x.key() { h } else { x };
        out.push(if m.key() < l.key() { l } else { m });
    }
    Tensor::from_vec(t.shape().clone(), out, Some(lease))
}

//! Range: `start, start + delta, ...` up to (excluding) `limit`. Values
//! accumulate by repeated addition in the element type, as TF does.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Range>

use crate::prelude::*;
use crate::util::simple::check_input;
use std::cmp::Ordering;
use ward_tensor::Budget;
use ward_tensor::DType::*;

/// TF's CPU Range kernels (no float16, no small ints).
const RANGE: &[DType] = &[BF16, F32, F64, I32, I64];

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Range",
        inputs: Arity::Exact(3),
        outputs: Arity::Exact(1),
        types: &[type_attr("Tidx", RANGE)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Range {
    dtype: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Range {
        dtype: node.attrs.dtype_or("Tidx", DType::I32)?,
    }))
}

/// The element count for `start`, `limit`, `delta` (as f64 for floats,
/// exact for integers), with TF's checks.
fn count_f64(start: f64, limit: f64, delta: f64) -> Result<usize> {
    if delta == 0.0 {
        return Err(Error::invalid_argument("Requires delta != 0"));
    }
    if delta > 0.0
        && !matches!(
            start.partial_cmp(&limit),
            Some(Ordering::Less | Ordering::Equal)
        )
    {
        return Err(Error::invalid_argument(format!(
            "Requires start <= limit when delta > 0: {start}/{limit}"
        )));
    }
    if delta < 0.0
        && !matches!(
            start.partial_cmp(&limit),
            Some(Ordering::Greater | Ordering::Equal)
        )
    {
        return Err(Error::invalid_argument(format!(
            "Requires start >= limit when delta < 0: {start}/{limit}"
        )));
    }
    #[allow(clippy::arithmetic_side_effects)]
    let n = ((limit - start) / delta).abs().ceil();
    // `as` saturates; anything near i64::MAX is rejected.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    if !n.is_finite() || n >= i64::MAX as f64 {
        return Err(Error::invalid_argument(
            "Requires ((limit - start) / delta) <= 9223372036854775807",
        ));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let n = n as u64;
    usize::try_from(n).map_err(|_| Error::resource_exhausted("Range output is too large"))
}

fn count_int(start: i64, limit: i64, delta: i64) -> Result<usize> {
    if delta == 0 {
        return Err(Error::invalid_argument("Requires delta != 0"));
    }
    if delta > 0 && start > limit {
        return Err(Error::invalid_argument(format!(
            "Requires start <= limit when delta > 0: {start}/{limit}"
        )));
    }
    if delta < 0 && start < limit {
        return Err(Error::invalid_argument(format!(
            "Requires start >= limit when delta < 0: {start}/{limit}"
        )));
    }
    let span = i128::from(limit).abs_diff(i128::from(start));
    let step = i128::from(delta).unsigned_abs();
    let n = span.div_ceil(step);
    usize::try_from(n).map_err(|_| Error::resource_exhausted("Range output is too large"))
}

fn scalar(t: &Tensor, what: &str) -> Result<()> {
    if t.rank() != 0 {
        return Err(Error::invalid_argument(format!(
            "{what} must be a scalar, not shape {}",
            t.shape()
        )));
    }
    Ok(())
}

fn run(budget: &Budget, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
    let [start, limit, delta] = take(inputs)?;
    scalar(&start, "start")?;
    scalar(&limit, "limit")?;
    scalar(&delta, "delta")?;
    let dtype = start.dtype();
    if limit.dtype() != dtype || delta.dtype() != dtype {
        return Err(Error::invalid_argument("Range inputs differ in type"));
    }
    macro_rules! ints {
        ($t:ty) => {{
            let get = |t: &Tensor| -> Result<$t> {
                t.as_slice::<$t>()?
                    .first()
                    .copied()
                    .ok_or_else(|| Error::internal("empty scalar"))
            };
            let (s, l, d) = (get(&start)?, get(&limit)?, get(&delta)?);
            let n = count_int(i64::from(s), i64::from(l), i64::from(d))?;
            budget.check_fits(
                u64::try_from(n.saturating_mul(std::mem::size_of::<$t>())).unwrap_or(u64::MAX),
                "Range output",
            )?;
            let (mut out, lease) = budget.alloc_empty::<$t>(n, "Range output")?;
            let mut v = s;
            for _ in 0..n {
                out.push(v);
                v = v.wrapping_add(d);
            }
            Tensor::from_vec(Shape::vector(n), out, Some(lease))
        }};
    }
    macro_rules! floats {
        ($t:ty) => {{
            let get = |t: &Tensor| -> Result<$t> {
                t.as_slice::<$t>()?
                    .first()
                    .copied()
                    .ok_or_else(|| Error::internal("empty scalar"))
            };
            let (s, l, d) = (get(&start)?, get(&limit)?, get(&delta)?);
            let n = count_f64(f64::from(s), f64::from(l), f64::from(d))?;
            budget.check_fits(
                u64::try_from(n.saturating_mul(std::mem::size_of::<$t>())).unwrap_or(u64::MAX),
                "Range output",
            )?;
            let (mut out, lease) = budget.alloc_empty::<$t>(n, "Range output")?;
            let mut v = s;
            for _ in 0..n {
                out.push(v);
                v += d;
            }
            Tensor::from_vec(Shape::vector(n), out, Some(lease))
        }};
    }
    #[allow(clippy::arithmetic_side_effects)]
    let out = match dtype {
        DType::I32 => ints!(i32),
        DType::I64 => ints!(i64),
        DType::F32 => floats!(f32),
        DType::F64 => floats!(f64),
        DType::BF16 => floats!(bf16),
        other => Err(Error::invalid_argument(format!(
            "Range does not support {other}"
        ))),
    }?;
    one(out)
}

impl Kernel for Range {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        for i in 0..3 {
            check_input(inputs, i, Some(self.dtype))?;
            if let Some(r) = inputs.get(i).and_then(|v| v.shape.rank())
                && r != 0
            {
                return Err(Error::invalid_argument(format!(
                    "Shape must be rank 0 but is rank {r}"
                )));
            }
        }
        let info = ValueInfo::of(TypeAttr::Data(self.dtype), PartialShape(Some(vec![None])));
        Ok(crate::util::layout::folded(vec![info], inputs, run))
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        run(ctx.budget, inputs)
    }
}

//! Range: `start, start + delta, ...` up to (excluding) `limit`. Element
//! i is `start + i * delta` in the element type (bfloat16 rounds after the
//! product and after the sum), as TF computes it.
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
fn count_f64(start: f64, limit: f64, delta: f64, span: f64) -> Result<usize> {
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
    let n = span.ceil();
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

/// `start + i * delta` with one rounding per operation in `T`.
trait Step: Copy {
    fn at(start: Self, delta: Self, i: usize) -> Self;
    /// `|(limit - start) / delta|` computed in `Self`, widened.
    fn span(start: Self, limit: Self, delta: Self) -> f64;
}
// Arithmetic on float element values, not sizes.
#[allow(clippy::arithmetic_side_effects, clippy::cast_precision_loss)]
impl Step for f32 {
    fn at(start: f32, delta: f32, i: usize) -> f32 {
        start + i as f32 * delta
    }
    fn span(start: f32, limit: f32, delta: f32) -> f64 {
        f64::from(((limit - start) / delta).abs())
    }
}
#[allow(clippy::arithmetic_side_effects, clippy::cast_precision_loss)]
impl Step for f64 {
    fn at(start: f64, delta: f64, i: usize) -> f64 {
        start + i as f64 * delta
    }
    fn span(start: f64, limit: f64, delta: f64) -> f64 {
        ((limit - start) / delta).abs()
    }
}
#[allow(clippy::arithmetic_side_effects, clippy::cast_precision_loss)]
impl Step for bf16 {
    fn at(start: bf16, delta: bf16, i: usize) -> bf16 {
        let k = bf16::from_f32(i as f32);
        let prod = bf16::from_f32(k.to_f32() * delta.to_f32());
        bf16::from_f32(start.to_f32() + prod.to_f32())
    }
    fn span(start: bf16, limit: bf16, delta: bf16) -> f64 {
        let diff = bf16::from_f32(limit.to_f32() - start.to_f32());
        bf16::from_f32(diff.to_f32() / delta.to_f32())
            .to_f64()
            .abs()
    }
}
fn float_at<T: Step>(start: T, delta: T, i: usize) -> T {
    T::at(start, delta, i)
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
            let n = count_f64(
                f64::from(s),
                f64::from(l),
                f64::from(d),
                <$t as Step>::span(s, l, d),
            )?;
            budget.check_fits(
                u64::try_from(n.saturating_mul(std::mem::size_of::<$t>())).unwrap_or(u64::MAX),
                "Range output",
            )?;
            let (mut out, lease) = budget.alloc_empty::<$t>(n, "Range output")?;
            for i in 0..n {
                out.push(float_at(s, d, i));
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

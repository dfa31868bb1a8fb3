//! Elementwise maps over one or two (broadcast) operands, allocating the
//! output through the Budget.

use super::broadcast::{Broadcast, Plan, for_each_strided, plan};
use crate::kernel::EvalCtx;
use ward_tensor::{Element, Error, Result, Tensor};

/// Applies `f` to every element of `x`.
pub fn unary<T: Element, U: Element>(
    ctx: &EvalCtx<'_>,
    x: &Tensor,
    f: impl Fn(T) -> U,
) -> Result<Tensor> {
    let xs = x.as_slice::<T>()?;
    let (mut out, lease) = ctx
        .budget
        .alloc_empty::<U>(xs.len(), "elementwise output")?;
    out.extend(xs.iter().map(|&v| f(v)));
    Tensor::from_vec(x.shape().clone(), out, Some(lease))
}

/// Applies `f` in place when `x` is the only holder of its buffer,
/// otherwise into a new tensor.
pub fn unary_inplace<T: Element>(
    ctx: &EvalCtx<'_>,
    mut x: Tensor,
    f: impl Fn(T) -> T,
) -> Result<Tensor> {
    if let Some(values) = x.unique_slice_mut::<T>() {
        for v in values.iter_mut() {
            *v = f(*v);
        }
        return Ok(x);
    }
    unary(ctx, &x, f)
}

/// Applies `f` to broadcast pairs of `a` and `b` (NumPy rules).
pub fn binary<T: Element, U: Element>(
    ctx: &EvalCtx<'_>,
    a: &Tensor,
    b: &Tensor,
    f: impl Fn(T, T) -> U,
) -> Result<Tensor> {
    let plan = plan(a.dims(), b.dims())?;
    let av = a.as_slice::<T>().map_err(|e| e.at_input(0))?;
    let bv = b.as_slice::<T>().map_err(|e| e.at_input(1))?;
    let n = plan.shape.num_elements()?;
    let (mut out, lease) = ctx.budget.alloc_empty::<U>(n, "elementwise output")?;
    match &plan.plan {
        Plan::Same => out.extend(av.iter().zip(bv).map(|(&x, &y)| f(x, y))),
        Plan::ScalarA => {
            let x = first(av)?;
            out.extend(bv.iter().map(|&y| f(x, y)));
        }
        Plan::ScalarB => {
            let y = first(bv)?;
            out.extend(av.iter().map(|&x| f(x, y)));
        }
        Plan::SuffixB { inner } => {
            let bv = bv
                .get(..*inner)
                .ok_or_else(|| Error::internal("broadcast operand too short"))?;
            for run in av.chunks_exact(*inner) {
                out.extend(run.iter().zip(bv).map(|(&x, &y)| f(x, y)));
            }
        }
        Plan::SuffixA { inner } => {
            let av = av
                .get(..*inner)
                .ok_or_else(|| Error::internal("broadcast operand too short"))?;
            for run in bv.chunks_exact(*inner) {
                out.extend(av.iter().zip(run).map(|(&x, &y)| f(x, y)));
            }
        }
        Plan::PrefixB { inner } => {
            for (run, &y) in av.chunks_exact(*inner).zip(bv) {
                out.extend(run.iter().map(|&x| f(x, y)));
            }
        }
        Plan::PrefixA { inner } => {
            for (run, &x) in bv.chunks_exact(*inner).zip(av) {
                out.extend(run.iter().map(|&y| f(x, y)));
            }
        }
        Plan::Strided {
            dims,
            a_strides,
            b_strides,
        } if let Some(rows) = strided_rows(dims, a_strides, b_strides) => {
            // Whole innermost rows at once: a run of each operand (or one
            // repeated value), so the loop vectorizes.
            let mut bad = false;
            for_each_strided(
                rows.outer_dims,
                rows.outer_a,
                rows.outer_b,
                |_, ai, bi| match (rows.run(av, ai, rows.a_step), rows.run(bv, bi, rows.b_step)) {
                    (Some(&[x]), Some(&[y])) => {
                        out.extend(std::iter::repeat_n(f(x, y), rows.inner));
                    }
                    (Some(&[x]), Some(ys)) => out.extend(ys.iter().map(|&y| f(x, y))),
                    (Some(xs), Some(&[y])) => out.extend(xs.iter().map(|&x| f(x, y))),
                    (Some(xs), Some(ys)) => {
                        out.extend(xs.iter().zip(ys).map(|(&x, &y)| f(x, y)));
                    }
                    _ => bad = true,
                },
            );
            if bad {
                return Err(Error::internal("broadcast index out of range"));
            }
        }
        Plan::Strided {
            dims,
            a_strides,
            b_strides,
        } => {
            let mut bad = false;
            for_each_strided(dims, a_strides, b_strides, |_, ai, bi| {
                match (av.get(ai), bv.get(bi)) {
                    (Some(&x), Some(&y)) => out.push(f(x, y)),
                    _ => bad = true,
                }
            });
            if bad {
                return Err(Error::internal("broadcast index out of range"));
            }
        }
    }
    if out.len() != n {
        return Err(Error::internal("elementwise output has the wrong length"));
    }
    Tensor::from_vec(plan.shape, out, Some(lease))
}

/// The rows of a strided broadcast whose innermost dim (longer than 1)
/// is contiguous (step 1) or repeated (step 0) in both operands.
struct StridedRows<'a> {
    inner: usize,
    outer_dims: &'a [usize],
    outer_a: &'a [usize],
    outer_b: &'a [usize],
    a_step: usize,
    b_step: usize,
}

impl StridedRows<'_> {
    /// An operand's row at `at`: `inner` values, or the one repeated.
    fn run<'v, T>(&self, values: &'v [T], at: usize, step: usize) -> Option<&'v [T]> {
        let len = if step == 1 { self.inner } else { 1 };
        values.get(at..at.checked_add(len)?)
    }
}

fn strided_rows<'a>(
    dims: &'a [usize],
    a_strides: &'a [usize],
    b_strides: &'a [usize],
) -> Option<StridedRows<'a>> {
    let (&inner, outer_dims) = dims.split_last()?;
    let (&a_step, outer_a) = a_strides.split_last()?;
    let (&b_step, outer_b) = b_strides.split_last()?;
    (inner > 1 && a_step <= 1 && b_step <= 1 && !outer_dims.is_empty()).then_some(StridedRows {
        inner,
        outer_dims,
        outer_a,
        outer_b,
        a_step,
        b_step,
    })
}

/// Like [`binary`] but may reuse `a`'s buffer when it has the output shape
/// and nobody else holds it.
pub fn binary_inplace<T: Element>(
    ctx: &EvalCtx<'_>,
    mut a: Tensor,
    b: &Tensor,
    f: impl Fn(T, T) -> T,
) -> Result<Tensor> {
    // Per-row `b` (`[B,S,D] op [B,S,1]`) updates `a` in place.
    if let Ok(Broadcast {
        plan: Plan::PrefixB { inner },
        ..
    }) = plan(a.dims(), b.dims())
        && a.dtype() == T::DTYPE
        && b.dtype() == T::DTYPE
    {
        let bv = b.as_slice::<T>().map_err(|e| e.at_input(1))?;
        if let Some(av) = a.unique_slice_mut::<T>() {
            for (run, &y) in av.chunks_exact_mut(inner).zip(bv) {
                for x in run.iter_mut() {
                    *x = f(*x, y);
                }
            }
            return Ok(a);
        }
    }
    // Per-channel `b` (`[N,H,W,C] op [C]`) updates `a` in place too.
    if let Ok(Broadcast {
        plan: Plan::SuffixB { inner },
        ..
    }) = plan(a.dims(), b.dims())
        && a.dtype() == T::DTYPE
        && b.dtype() == T::DTYPE
    {
        let bv = b.as_slice::<T>().map_err(|e| e.at_input(1))?;
        let bv = bv
            .get(..inner)
            .ok_or_else(|| Error::internal("broadcast operand too short"))?;
        if let Some(av) = a.unique_slice_mut::<T>() {
            for run in av.chunks_exact_mut(inner) {
                for (x, &y) in run.iter_mut().zip(bv) {
                    *x = f(*x, y);
                }
            }
            return Ok(a);
        }
    }
    if a.dims() == b.dims() || b.len() == 1 && a.rank() >= b.rank() {
        let bv = b.as_slice::<T>().map_err(|e| e.at_input(1))?;
        if a.dtype() == T::DTYPE && a.dtype() == b.dtype() {
            let scalar = (b.len() == 1).then(|| bv.first().copied()).flatten();
            if let Some(av) = a.unique_slice_mut::<T>() {
                match scalar {
                    Some(y) if av.len() != 1 || bv.len() == 1 => {
                        for x in av.iter_mut() {
                            *x = f(*x, y);
                        }
                    }
                    _ => {
                        for (x, &y) in av.iter_mut().zip(bv) {
                            *x = f(*x, y);
                        }
                    }
                }
                return Ok(a);
            }
        }
    }
    binary(ctx, &a, b, f)
}

fn first<T: Element>(v: &[T]) -> Result<T> {
    v.first()
        .copied()
        .ok_or_else(|| Error::internal("scalar operand is empty"))
}

/// Runs `$body` with `$t` bound to the Rust type of a numeric dtype, or
/// returns InvalidArgument for other dtypes.
#[macro_export]
macro_rules! with_numeric {
    ($dtype:expr, $t:ident => $body:expr) => {{
        use ward_tensor::{DType, bf16, f16};
        match $dtype {
            DType::F16 => {
                type $t = f16;
                $body
            }
            DType::BF16 => {
                type $t = bf16;
                $body
            }
            DType::F32 => {
                type $t = f32;
                $body
            }
            DType::F64 => {
                type $t = f64;
                $body
            }
            DType::I8 => {
                type $t = i8;
                $body
            }
            DType::I16 => {
                type $t = i16;
                $body
            }
            DType::I32 => {
                type $t = i32;
                $body
            }
            DType::I64 => {
                type $t = i64;
                $body
            }
            DType::U8 => {
                type $t = u8;
                $body
            }
            DType::U16 => {
                type $t = u16;
                $body
            }
            DType::U32 => {
                type $t = u32;
                $body
            }
            DType::U64 => {
                type $t = u64;
                $body
            }
            other => Err(ward_tensor::Error::invalid_argument(format!(
                "dtype {other} is not supported here"
            ))),
        }
    }};
}

/// Like `with_numeric!` for floating-point dtypes only.
#[macro_export]
macro_rules! with_float {
    ($dtype:expr, $t:ident => $body:expr) => {{
        use ward_tensor::{DType, bf16, f16};
        match $dtype {
            DType::F16 => {
                type $t = f16;
                $body
            }
            DType::BF16 => {
                type $t = bf16;
                $body
            }
            DType::F32 => {
                type $t = f32;
                $body
            }
            DType::F64 => {
                type $t = f64;
                $body
            }
            other => Err(ward_tensor::Error::invalid_argument(format!(
                "dtype {other} is not supported here; a floating-point type is required"
            ))),
        }
    }};
}

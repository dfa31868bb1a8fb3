//! The shared reduction kernel: axes from the second input (scalar or
//! vector, negative counts from the end, duplicates rejected), `keep_dims`,
//! and per-op accumulation. Empty reductions give the identity (Mean of
//! nothing is NaN for floats, 0 for integers, as in TF).

use crate::prelude::*;
use crate::util::arith::Arith;
use crate::util::broadcast::for_each_broadcast;
use crate::util::layout::{const_ints, known_dtype, rank_i64, strides};
use crate::util::simple::check_input;

/// Which reduction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sum,
    Mean,
    Prod,
    Max,
    Min,
    All,
    Any,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Sum => "Sum",
            Kind::Mean => "Mean",
            Kind::Prod => "Prod",
            Kind::Max => "Max",
            Kind::Min => "Min",
            Kind::All => "All",
            Kind::Any => "Any",
        }
    }
}

/// The spec of a reduction op named `name` with type constraints `types`
/// (All and Any have no `T` attribute: their input is bool).
pub const fn spec(name: &'static str, types: &'static [TypeConstraint]) -> OpSpec {
    OpSpec {
        name,
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(1),
        types,
        capability: Capability::Pure,
    }
}

#[derive(Debug)]
pub struct Reduction {
    kind: Kind,
    dtype: DType,
    tidx: DType,
    keep_dims: bool,
}

/// Builds the kernel for a node of a reduction op.
pub fn build(node: &Node, kind: Kind) -> Result<Box<dyn Kernel>> {
    let dtype = match kind {
        Kind::All | Kind::Any => DType::Bool,
        _ => node.attrs.dtype("T")?,
    };
    Ok(Box::new(Reduction {
        kind,
        dtype,
        tidx: node.attrs.dtype_or("Tidx", DType::I32)?,
        keep_dims: node.attrs.bool_or("keep_dims", false)?,
    }))
}

/// Normalizes reduction axes for `rank`; `check_dups` rejects repeats (TF
/// does so when running, not in shape inference).
fn axes_mask(axes: &[i64], rank: usize, check_dups: bool) -> Result<Vec<bool>> {
    let mut mask = vec![false; rank];
    for &a in axes {
        let r = rank_i64(rank);
        let axis = ward_tensor::normalize_axis(a, rank).map_err(|_| {
            Error::invalid_argument(format!(
                "Invalid reduction dimension {a} for input with {r} dimensions."
            ))
        })?;
        let slot = mask
            .get_mut(axis)
            .ok_or_else(|| Error::internal("axis out of range"))?;
        if *slot && check_dups {
            return Err(Error::invalid_argument(format!(
                "Invalid reduction arguments: Axes contains duplicate dimension: {axis}"
            )));
        }
        *slot = true;
    }
    Ok(mask)
}

impl Reduction {
    fn out_dims<D: Copy>(&self, dims: &[D], mask: &[bool], one: D) -> Vec<D> {
        dims.iter()
            .zip(mask)
            .filter_map(|(&d, &m)| match (m, self.keep_dims) {
                (false, _) => Some(d),
                (true, true) => Some(one),
                (true, false) => None,
            })
            .collect()
    }
}

impl Kernel for Reduction {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        check_input(inputs, 1, Some(self.tidx))?;
        if let Some(r) = inputs.get(1).and_then(|a| a.shape.rank())
            && r > 1
        {
            return Err(Error::invalid_argument(format!(
                "Shape must be at most rank 1 but is rank {r}"
            )));
        }
        let x = inputs.first();
        let shape = match (x.and_then(|x| x.shape.dims()), const_ints(inputs.get(1))) {
            (Some(dims), Some(axes)) => {
                let mask = axes_mask(&axes, dims.len(), false)?;
                PartialShape(Some(self.out_dims(dims, &mask, Some(1))))
            }
            (Some(dims), None) if self.keep_dims => PartialShape(Some(vec![None; dims.len()])),
            _ => PartialShape::unknown(),
        };
        let dtype = known_dtype(x).unwrap_or(self.dtype);
        Ok(vec![ValueInfo::of(TypeAttr::Data(dtype), shape)])
    }

    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x, axes] = take(inputs)?;
        if axes.rank() > 1 {
            return Err(
                Error::invalid_argument("reduction axes must be a scalar or vector").at_input(1),
            );
        }
        if x.dtype() != self.dtype {
            return Err(Error::invalid_argument(format!(
                "{} input has type {} but T is {}",
                self.kind.name(),
                x.dtype(),
                self.dtype
            ))
            .at_input(0));
        }
        let mask = axes_mask(&axes.to_i64_vec()?, x.rank(), true)?;
        let out_shape = Shape::new(self.out_dims(x.dims(), &mask, 1))?;
        // Output strides over the input's dims: 0 along reduced axes.
        let kept: Vec<usize> = x
            .dims()
            .iter()
            .zip(&mask)
            .map(|(&d, &m)| if m { 1 } else { d })
            .collect();
        let kept_strides: Vec<usize> = strides(&kept)
            .into_iter()
            .zip(&mask)
            .map(|(s, &m)| if m { 0 } else { s })
            .collect();
        let count = x
            .dims()
            .iter()
            .zip(&mask)
            .filter(|(_, m)| **m)
            .try_fold(1usize, |acc, (&d, _)| acc.checked_mul(d))
            .ok_or_else(|| Error::overflow("reduction size"))?;
        // Reduced axes all after the kept ones (size-1 axes aside): each
        // output is one contiguous run of the input.
        // Or all before them (a global pooling over NHWC): each run of
        // the input holds one value of every output.
        let (mut seen_reduced, mut seen_kept) = (false, false);
        let (mut trailing, mut leading) = (true, true);
        for (&d, &m) in x.dims().iter().zip(&mask) {
            if d == 1 {
                continue;
            }
            if m {
                seen_reduced = true;
                leading &= !seen_kept;
            } else {
                seen_kept = true;
                trailing &= !seen_reduced;
            }
        }
        let plan = Plan {
            dims: x.dims(),
            strides: kept_strides,
            out: out_shape,
            count,
            trailing,
            leading,
        };
        let out = match self.kind {
            Kind::All => plan.run::<bool, bool>(ctx, &x, true, |a, v| a && v, |a| a)?,
            Kind::Any => plan.run::<bool, bool>(ctx, &x, false, |a, v| a || v, |a| a)?,
            kind => with_numeric!(x.dtype(), T => <T as Reduce>::reduce(&plan, ctx, &x, kind))?,
        };
        one(out)
    }
}

/// Where each input element accumulates.
pub struct Plan<'a> {
    dims: &'a [usize],
    strides: Vec<usize>,
    out: Shape,
    count: usize,
    /// Each output reduces a contiguous run of `count` inputs.
    trailing: bool,
    /// Output o reduces inputs o, o + n, o + 2n, ... (n outputs).
    leading: bool,
}

impl Plan<'_> {
    /// Folds every input element into its output slot with `f`, starting
    /// from `init`, then maps each accumulator through `fin`.
    fn run<T: Element, A: Copy>(
        &self,
        ctx: &EvalCtx<'_>,
        x: &Tensor,
        init: A,
        f: impl Fn(A, T) -> A,
        fin: impl Fn(A) -> T,
    ) -> Result<Tensor> {
        let n = self.out.num_elements()?;
        let (mut acc, _lease) = ctx
            .budget
            .alloc_vec::<A>(n, init, "reduction accumulators")?;
        let xs = x.as_slice::<T>()?;
        let finish = |acc: Vec<A>| {
            let (mut out, lease) = ctx.budget.alloc_empty::<T>(n, "reduction output")?;
            out.extend(acc.into_iter().map(&fin));
            Tensor::from_vec(self.out.clone(), out, Some(lease))
        };
        if self.trailing && self.count > 0 && Some(xs.len()) == n.checked_mul(self.count) {
            // Same order of accumulation as the walk below, without it.
            for (a, run) in acc.iter_mut().zip(xs.chunks_exact(self.count)) {
                for &v in run {
                    *a = f(*a, v);
                }
            }
            return finish(acc);
        }
        if self.leading && n > 0 && Some(xs.len()) == n.checked_mul(self.count) {
            // Also the walk's order, a whole row of outputs at a time.
            for run in xs.chunks_exact(n) {
                for (a, &v) in acc.iter_mut().zip(run) {
                    *a = f(*a, v);
                }
            }
            return finish(acc);
        }
        let mut i = 0usize;
        let mut bad = false;
        for_each_broadcast(self.dims, std::array::from_ref(&self.strides), |[o]| {
            match (acc.get_mut(o), xs.get(i)) {
                (Some(a), Some(&v)) => *a = f(*a, v),
                _ => bad = true,
            }
            i = i.wrapping_add(1);
        });
        if bad {
            return Err(Error::internal("reduction index out of range"));
        }
        finish(acc)
    }
}

/// Numeric reductions with TF's accumulation types: half types accumulate
/// in f32; Mean of integers sums in 64 bits (wrapping) and truncates.
trait Reduce: Arith {
    fn reduce(plan: &Plan<'_>, ctx: &EvalCtx<'_>, x: &Tensor, kind: Kind) -> Result<Tensor>;
}

macro_rules! int_reduce {
    ($wide:ty; $($t:ty),*) => {$(
        impl Reduce for $t {
            fn reduce(plan: &Plan<'_>, ctx: &EvalCtx<'_>, x: &Tensor, kind: Kind) -> Result<Tensor> {
                match kind {
                    Kind::Sum => plan.run::<$t, $t>(ctx, x, 0, |a, v| a.wrapping_add(v), |a| a),
                    Kind::Prod => plan.run::<$t, $t>(ctx, x, 1, |a, v| a.wrapping_mul(v), |a| a),
                    Kind::Max => plan.run::<$t, $t>(ctx, x, <$t>::MIN, Ord::max, |a| a),
                    Kind::Min => plan.run::<$t, $t>(ctx, x, <$t>::MAX, Ord::min, |a| a),
                    Kind::Mean => {
                        let count = <$wide>::try_from(plan.count).unwrap_or(<$wide>::MAX);
                        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_possible_wrap)]
                        plan.run::<$t, $wide>(
                            ctx,
                            x,
                            0,
                            |a, v| a.wrapping_add(<$wide>::from(v)),
                            |a| a.checked_div(count).unwrap_or(0) as $t,
                        )
                    }
                    Kind::All | Kind::Any => Err(Error::invalid_argument("All/Any take bool input")),
                }
            }
        }
    )*};
}
int_reduce!(i64; i8, i16, i32, i64);
int_reduce!(u64; u8, u16, u32, u64);

macro_rules! float_reduce {
    ($($t:ty),*) => {$(
        // Arithmetic here is on float element values, never on sizes.
        #[allow(clippy::arithmetic_side_effects, clippy::cast_precision_loss)]
        impl Reduce for $t {
            fn reduce(plan: &Plan<'_>, ctx: &EvalCtx<'_>, x: &Tensor, kind: Kind) -> Result<Tensor> {
                use crate::util::arith::Compute;
                type W = <$t as Compute>::F;
                let w = |v: $t| -> W { <$t as Compute>::f(v) };
                let n = |v: W| -> $t { <$t as Compute>::w(v) };
                match kind {
                    Kind::Sum => plan.run::<$t, W>(ctx, x, 0.0, |a, v| a + w(v), n),
                    Kind::Prod => plan.run::<$t, W>(ctx, x, 1.0, |a, v| a * w(v), n),
                    Kind::Mean => {
                        let count = plan.count as W;
                        plan.run::<$t, W>(ctx, x, 0.0, |a, v| a + w(v), |a| n(a / count))
                    }
                    Kind::Max => plan.run::<$t, $t>(ctx, x, n(W::NEG_INFINITY), Arith::max, |a| a),
                    Kind::Min => plan.run::<$t, $t>(ctx, x, n(W::INFINITY), Arith::min, |a| a),
                    Kind::All | Kind::Any => Err(Error::invalid_argument("All/Any take bool input")),
                }
            }
        }
    )*};
}
float_reduce!(f16, bf16, f32, f64);

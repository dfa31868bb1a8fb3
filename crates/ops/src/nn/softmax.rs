//! Softmax over the last dim: `exp(x - max) / sum(exp(x - max))`.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Softmax>

// Arithmetic here is on float element values, never on sizes.
#![allow(clippy::arithmetic_side_effects)]

use crate::prelude::*;
use crate::util::float::{Float, Wide};
use crate::util::simd;
use rayon::prelude::*;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Softmax",
        inputs: Arity::Exact(1),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", FLOAT)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Softmax;

fn build(_: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Softmax))
}

impl Kernel for Softmax {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        if let Some(0) = inputs.first().and_then(|x| x.shape.rank()) {
            return Err(Error::invalid_argument(
                "logits must have >= 1 dimension, got []",
            ));
        }
        same_as_input(inputs)
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x] = take(inputs)?;
        if x.rank() == 0 {
            return Err(Error::invalid_argument(
                "logits must have >= 1 dimension, got []",
            ));
        }
        with_float!(x.dtype(), T => one(softmax_rows::<T>(ctx, x, false)?))
    }
}

/// Softmax (or log-softmax) over rows of the last dim, computed in the
/// type's compute precision (f32 for half types).
/// Independent accumulators, so the reduction vectorizes (a single
/// running value cannot be reordered). Eigen reduces in lanes too.
const LANES: usize = 8;

/// NaN-propagating max of a row.
#[inline(always)]
fn lanes_max<T: Float>(row: &[T]) -> T::Wide {
    let mut acc = [T::Wide::NEG_INF; LANES];
    let mut chunks = row.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (a, v) in acc.iter_mut().zip(chunk) {
            *a = T::wide_max(*a, v.widen());
        }
    }
    let tail = chunks
        .remainder()
        .iter()
        .fold(T::Wide::NEG_INF, |m, v| T::wide_max(m, v.widen()));
    acc.iter().fold(tail, |m, &a| T::wide_max(m, a))
}

#[inline(always)]
fn lanes_sum<T: Float>(values: &[T::Wide]) -> T::Wide {
    let mut acc = [T::Wide::ZERO_W; LANES];
    let mut chunks = values.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (a, &v) in acc.iter_mut().zip(chunk) {
            *a = *a + v;
        }
    }
    let tail = chunks
        .remainder()
        .iter()
        .fold(T::Wide::ZERO_W, |s, &v| s + v);
    acc.iter().fold(tail, |s, &a| s + a)
}

pub fn softmax_rows<T: Float>(ctx: &EvalCtx<'_>, mut x: Tensor, log: bool) -> Result<Tensor> {
    let width = x.dims().last().copied().unwrap_or(1);
    if width == 0 || x.is_empty() {
        return Ok(x);
    }
    // In place when the input is ours alone, else into a copy.
    let mut copy = None;
    let data: &mut [T] = match x.unique_slice_mut::<T>() {
        Some(data) => data,
        None => {
            let values = x.as_slice::<T>()?;
            let (mut out, lease) = ctx
                .budget
                .alloc_empty::<T>(values.len(), "softmax output")?;
            out.extend_from_slice(values);
            copy.insert(Tensor::from_vec(x.shape().clone(), out, Some(lease))?)
                .unique_slice_mut::<T>()
                .ok_or_else(|| Error::internal("a fresh softmax output is shared"))?
        }
    };
    let rows_per_task = PARALLEL_ELEMENTS.checked_div(width).unwrap_or(1).max(1);
    let task = |chunk: &mut [T]| -> Result<()> {
        if let Some(data) = T::as_f32_mut(chunk) {
            simd::vectorized(RowsF32 { data, width, log });
            return Ok(());
        }
        // One exp per element, kept in a row buffer, then scaled.
        let mut exps: Vec<T::Wide> = Vec::new();
        exps.try_reserve_exact(width)
            .map_err(|_| Error::resource_exhausted("softmax row"))?;
        exps.resize(width, T::Wide::ZERO_W);
        simd::vectorized(Rows {
            data: chunk,
            exps: &mut exps,
            width,
            log,
        });
        Ok(())
    };
    let task_len = rows_per_task.saturating_mul(width);
    if ctx.threads() > 1 && data.len() > task_len {
        ctx.pool
            .install(|| data.par_chunks_mut(task_len).try_for_each(task))?;
    } else {
        task(data)?;
    }
    Ok(copy.unwrap_or(x))
}

/// Elements per parallel task (whole rows).
const PARALLEL_ELEMENTS: usize = 1 << 14;

/// Rows of one softmax, in place, compiled for the CPU's widest vectors.
struct Rows<'a, T: Float> {
    data: &'a mut [T],
    exps: &'a mut [T::Wide],
    width: usize,
    log: bool,
}

impl<T: Float> simd::WithSimd for Rows<'_, T> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: simd::Simd>(self, _: S) {
        let Rows {
            data,
            exps,
            width,
            log,
        } = self;
        for row in data.chunks_mut(width) {
            let max = lanes_max::<T>(row);
            for (e, v) in exps.iter_mut().zip(row.iter()) {
                *e = (v.widen() - max).exp_fast();
            }
            let sum = lanes_sum::<T>(exps.get(..row.len()).unwrap_or(exps));
            if log {
                let log_sum = sum.ln();
                for v in row.iter_mut() {
                    *v = T::narrow(v.widen() - max - log_sum);
                }
            } else {
                let inv = T::Wide::ONE_W / sum;
                for (v, &e) in row.iter_mut().zip(exps.iter()) {
                    *v = T::narrow(e * inv);
                }
            }
        }
    }
}

/// f32 rows of one softmax, in place, on explicit vectors: four
/// accumulators per reduction so no add or max waits on the one before.
struct RowsF32<'a> {
    data: &'a mut [f32],
    width: usize,
    log: bool,
}

/// Independent accumulators per row reduction.
const ACCUMULATORS: usize = 4;

impl simd::WithSimd for RowsF32<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: simd::Simd>(self, simd: S) {
        let RowsF32 { data, width, log } = self;
        for row in data.chunks_mut(width) {
            let max = row_max(simd, row);
            if log {
                let log_sum = exp_sum::<S, false>(simd, row, max).ln();
                let (head, tail) = S::as_mut_simd_f32s(row);
                let (max_v, log_sum_v) = (simd.splat_f32s(max), simd.splat_f32s(log_sum));
                for v in head {
                    *v = simd.sub_f32s(simd.sub_f32s(*v, max_v), log_sum_v);
                }
                for v in tail {
                    *v = *v - max - log_sum;
                }
            } else {
                let inv = 1.0 / exp_sum::<S, true>(simd, row, max);
                let (head, tail) = S::as_mut_simd_f32s(row);
                let inv_v = simd.splat_f32s(inv);
                for v in head {
                    *v = simd.mul_f32s(*v, inv_v);
                }
                for v in tail {
                    *v *= inv;
                }
            }
        }
    }
}

/// The row's max. A NaN may be skipped here: it still turns the whole row
/// to NaN through its own `exp`.
#[inline(always)]
fn row_max<S: simd::Simd>(simd: S, row: &[f32]) -> f32 {
    let (head, tail) = S::as_simd_f32s(row);
    let mut acc = [simd.splat_f32s(f32::NEG_INFINITY); ACCUMULATORS];
    let mut blocks = head.chunks_exact(ACCUMULATORS);
    for block in &mut blocks {
        for (a, &v) in acc.iter_mut().zip(block) {
            *a = simd.max_f32s(*a, v);
        }
    }
    for (a, &v) in acc.iter_mut().zip(blocks.remainder()) {
        *a = simd.max_f32s(*a, v);
    }
    let [a0, a1, a2, a3] = acc;
    let lanes = simd.max_f32s(simd.max_f32s(a0, a1), simd.max_f32s(a2, a3));
    tail.iter()
        .fold(simd.reduce_max_f32s(lanes), |m, &v| m.max(v))
}

/// Adds `exp(v - max)` to `acc` (and stores it in `v` when `STORE`).
#[inline(always)]
fn exp_add<S: simd::Simd, const STORE: bool>(
    simd: S,
    acc: &mut S::f32s,
    v: &mut S::f32s,
    max: S::f32s,
) {
    let e = simd::exp_f32s(simd, simd.sub_f32s(*v, max));
    if STORE {
        *v = e;
    }
    *acc = simd.add_f32s(*acc, e);
}

/// Sum of `exp(v - max)` over the row, also written over the row when
/// `STORE`.
#[inline(always)]
fn exp_sum<S: simd::Simd, const STORE: bool>(simd: S, row: &mut [f32], max: f32) -> f32 {
    let max_v = simd.splat_f32s(max);
    let (head, tail) = S::as_mut_simd_f32s(row);
    let mut acc = [simd.splat_f32s(0.0); ACCUMULATORS];
    let mut blocks = head.chunks_exact_mut(ACCUMULATORS);
    for block in &mut blocks {
        for (a, v) in acc.iter_mut().zip(block.iter_mut()) {
            exp_add::<S, STORE>(simd, a, v, max_v);
        }
    }
    for (a, v) in acc.iter_mut().zip(blocks.into_remainder()) {
        exp_add::<S, STORE>(simd, a, v, max_v);
    }
    let [a0, a1, a2, a3] = acc;
    let lanes = simd.add_f32s(simd.add_f32s(a0, a1), simd.add_f32s(a2, a3));
    let mut sum = simd.reduce_sum_f32s(lanes);
    for v in tail {
        let e = crate::util::special::exp_f32(*v - max);
        if STORE {
            *v = e;
        }
        sum += e;
    }
    sum
}

//! Run-time instruction-set dispatch for hot loops.
//!
//! ward is built for baseline x86-64 (SSE2) so one binary runs on any
//! CPU. A loop wrapped in [`vectorized`] is compiled again for AVX2+FMA
//! and for AVX-512 and the best one this CPU has is picked at run time
//! (pulp's `Arch`, which the `gemm` crate already uses), so the compiler's
//! auto-vectorization uses the wide registers. Only code inlined into the
//! work gets the wider instructions, so the work is a struct whose
//! `with_simd` is `#[inline(always)]` (a closure body may be left out of
//! line) and calls only `#[inline(always)]` helpers.

pub use pulp::{Simd, WithSimd};

/// Runs `work` compiled for the widest instruction set available.
#[inline(always)]
pub fn vectorized<W: WithSimd>(work: W) -> W::Output {
    pulp::Arch::new().dispatch(work)
}

/// Applies `f` to every element in place, vectorized.
#[inline(always)]
pub fn map_in_place<T: Copy>(values: &mut [T], f: impl Fn(T) -> T) {
    vectorized(MapInPlace { values, f });
}

/// `dst[i] = f(src[i])`, vectorized.
#[inline(always)]
pub fn map_into<T: Copy, U>(src: &[T], dst: &mut [U], f: impl Fn(T) -> U) {
    vectorized(MapInto { src, dst, f });
}

struct MapInPlace<'a, T, F> {
    values: &'a mut [T],
    f: F,
}

impl<T: Copy, F: Fn(T) -> T> WithSimd for MapInPlace<'_, T, F> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) {
        for v in self.values.iter_mut() {
            *v = (self.f)(*v);
        }
    }
}

struct MapInto<'a, T, U, F> {
    src: &'a [T],
    dst: &'a mut [U],
    f: F,
}

impl<T: Copy, U, F: Fn(T) -> U> WithSimd for MapInto<'_, T, U, F> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) {
        for (o, &v) in self.dst.iter_mut().zip(self.src) {
            *o = (self.f)(v);
        }
    }
}

/// `exp` on every lane: [`crate::util::special::exp_f32`]'s algorithm
/// (same range reduction, polynomial and limits) with fused multiply-adds,
/// written on pulp's vectors because the compiler keeps the scalar form's
/// range selects from filling whole registers. NaN stays NaN.
#[inline(always)]
pub fn exp_f32s<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    use crate::util::special::{EXP_HI, EXP_LO, LN2_HI, LN2_LO};
    let (lo, hi) = (simd.splat_f32s(EXP_LO), simd.splat_f32s(EXP_HI));
    let round = simd.splat_f32s(12_582_912.0);
    let xc = simd.max_f32s(simd.min_f32s(x, hi), lo);
    let n = simd.min_f32s(
        simd.sub_f32s(
            simd.mul_add_f32s(xc, simd.splat_f32s(std::f32::consts::LOG2_E), round),
            round,
        ),
        simd.splat_f32s(127.0),
    );
    let r = simd.negate_mul_add_f32s(n, simd.splat_f32s(LN2_HI), xc);
    let r = simd.negate_mul_add_f32s(n, simd.splat_f32s(LN2_LO), r);
    let mut p = simd.splat_f32s(1.0 / 720.0);
    for c in [1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0] {
        p = simd.mul_add_f32s(p, r, simd.splat_f32s(c));
    }
    // 2^n from the exponent bits of n + 127 + 2^23, as in the scalar form.
    let biased = simd.sub_u32s(
        simd.transmute_u32s_f32s(simd.add_f32s(n, simd.splat_f32s(127.0 + 8_388_608.0))),
        simd.splat_u32s(0x4B00_0000),
    );
    let scale = simd.transmute_f32s_u32s(simd.wrapping_dyn_shl_u32s(biased, simd.splat_u32s(23)));
    let y = simd.mul_f32s(p, scale);
    let y = simd.select_f32s(simd.less_than_f32s(x, lo), simd.splat_f32s(0.0), y);
    let y = simd.select_f32s(
        simd.greater_than_f32s(x, hi),
        simd.splat_f32s(f32::INFINITY),
        y,
    );
    simd.select_f32s(simd.equal_f32s(x, x), y, x)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::float_cmp)]
mod tests {
    use super::*;
    use crate::util::special::exp_f32;

    /// `exp_f32s` over whole vectors of a slice (the tail is left alone).
    struct ExpAll<'a>(&'a mut [f32]);
    impl WithSimd for ExpAll<'_> {
        type Output = usize;
        #[inline(always)]
        fn with_simd<S: Simd>(self, simd: S) -> usize {
            let (head, tail) = S::as_mut_simd_f32s(self.0);
            for v in head {
                *v = exp_f32s(simd, *v);
            }
            tail.len()
        }
    }

    #[test]
    fn vector_exp_matches_the_scalar_exp_and_its_limits() {
        // Special values first, so they land in whole vectors.
        let mut inputs = vec![
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            -87.336_55,
            -87.4,
            88.722_84,
            88.73,
            0.0,
            -0.0,
            f32::MIN_POSITIVE,
            1e-30,
        ];
        inputs.extend((-2000..=2000).map(|i| i as f32 * 0.045));
        let mut out = inputs.clone();
        let left = vectorized(ExpAll(&mut out));
        let done = out.len() - left;
        assert!(done >= 4000);
        for (&x, &y) in inputs.iter().zip(&out).take(done) {
            let want = exp_f32(x);
            if want.is_nan() {
                assert!(y.is_nan(), "exp({x}) = {y}");
            } else if want.is_infinite() || want == 0.0 {
                assert_eq!(y, want, "exp({x})");
            } else {
                let rel = ((y - want) / want).abs();
                assert!(rel < 4e-7, "exp({x}) = {y}, scalar {want}");
            }
        }
    }
}

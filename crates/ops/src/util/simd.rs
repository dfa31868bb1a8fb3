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

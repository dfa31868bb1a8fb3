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

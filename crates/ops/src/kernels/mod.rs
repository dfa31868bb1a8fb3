//! The audited kernels module: the only place in ward where `unsafe` is
//! allowed. Each unsafe block states why it is sound; the safe wrappers
//! check every length before the block runs.

#![allow(unsafe_code)]

pub mod aligned;
pub mod depthwise;
pub mod fpenv;
pub mod gemm;
pub mod sgemm;
pub mod uninit;

/// Whether this CPU runs the AVX-512 kernels (`sgemm`, `depthwise`).
pub fn has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Deterministic test values in [-1, 1].
#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
pub(crate) fn test_values(n: usize, seed: u32) -> Vec<f32> {
    (0..n)
        .map(|i| {
            ((i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) % 2001) as f32 / 1000.0 - 1.0
        })
        .collect()
}

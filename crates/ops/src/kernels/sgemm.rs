//! f32 matrix product with its epilogue, in AVX-512, for convolutions and
//! MatMuls whose right operand is a weight matrix. Unlike the `gemm`
//! crate it packs nothing: a 12-row block of the left operand is read in
//! place (each value broadcast), the weights are read in place in their
//! stored row-major layout (32 columns are 128 contiguous bytes, already
//! the microkernel's panel), and bias and clamp are applied before the
//! single store. So the weights need no packing at load or per run.
//!
//! The safe entry checks every operand's length with checked arithmetic
//! before any pointer is formed.

use ward_tensor::{Error, Result};

use rayon::ThreadPool;

use super::gemm::is_sequential;
use super::uninit::{Uninit, Written};

/// Work below which threading costs more than it saves.
const PARALLEL_MIN_FLOPS: usize = 1 << 18;

/// `C[m×n] = A[m×k] · B[k×n]` (row-major, dense), then `+ bias[col]` and
/// `min(hi, max(lo, ·))`.
#[derive(Debug, Clone, Copy)]
pub struct Product<'a> {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub a: &'a [f32],
    pub b: &'a [f32],
    pub bias: Option<&'a [f32]>,
    pub lo: f32,
    pub hi: f32,
}

/// Whether [`product_into`] runs on this CPU.
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Overwrites `c` (exactly m·n elements) with the product; as
/// [`product_into`] for an output that is already initialized.
pub fn product(pool: &ThreadPool, p: &Product<'_>, c: &mut [f32]) -> Result<()> {
    check(p, c.len())?;
    // SAFETY: `check` verified the operand lengths, that `c` holds exactly
    // m·n elements and that AVX-512F is present; `c` is exclusively
    // borrowed, so it cannot alias `a`, `b` or the bias.
    unsafe { run(pool, p, c.as_mut_ptr()) };
    Ok(())
}

/// Writes the product into `c`, which must hold exactly m·n elements,
/// its tiles shared over `pool` when that pays. An error (not a fallback)
/// when the CPU lacks AVX-512: check [`available`] first.
pub fn product_into<'a>(
    pool: &ThreadPool,
    p: &Product<'_>,
    c: Uninit<'a, f32>,
) -> Result<Written<'a, f32>> {
    check(p, c.len())?;
    let (dst, _, block) = c.into_raw();
    // SAFETY: `check` verified the operand lengths, that the block holds
    // exactly m·n elements and that AVX-512F is present; the block is
    // exclusively borrowed and cannot alias `a`, `b` or the bias.
    unsafe { run(pool, p, dst) };
    // SAFETY: `avx512::product` stores every element of the m×n output:
    // each 12-row block and 32-column panel (the last ones narrower) is
    // stored whole, masked only beyond column n.
    Ok(unsafe { block.assume_written() })
}

/// The operands hold what the product reads, the output `c_len_given`
/// elements is exactly m·n, and the CPU has AVX-512.
fn check(p: &Product<'_>, c_len_given: usize) -> Result<()> {
    let size = |rows: usize, cols: usize, what: &str| {
        rows.checked_mul(cols)
            .ok_or_else(|| Error::overflow(format!("{what} size")))
    };
    let (a_len, b_len, c_len) = (
        size(p.m, p.k, "left matrix")?,
        size(p.k, p.n, "right matrix")?,
        size(p.m, p.n, "output matrix")?,
    );
    if p.a.len() < a_len || p.b.len() < b_len || c_len_given != c_len {
        return Err(Error::internal(format!(
            "a {}x{}x{} product given operands of {}, {} and {} elements",
            p.m,
            p.k,
            p.n,
            p.a.len(),
            p.b.len(),
            c_len_given
        )));
    }
    if p.bias.is_some_and(|b| b.len() < p.n) {
        return Err(Error::internal("bias shorter than the product's columns"));
    }
    // Pointer offsets are isize.
    if a_len.max(b_len).max(c_len) > isize::MAX.unsigned_abs() / 4 {
        return Err(Error::overflow("matrix size"));
    }
    if !available() {
        return Err(Error::internal("the AVX-512 product ran without AVX-512"));
    }
    Ok(())
}

/// # Safety
/// `check(p, len)` passed and `dst` is valid for writes of `len` elements,
/// not aliasing `p`'s operands.
unsafe fn run(pool: &ThreadPool, p: &Product<'_>, dst: *mut f32) {
    let threads = pool.current_num_threads();
    let flops = p.m.saturating_mul(p.n).saturating_mul(p.k);
    let parts = if threads > 1 && flops >= PARALLEL_MIN_FLOPS && !is_sequential() {
        threads.saturating_mul(4)
    } else {
        1
    };
    #[cfg(target_arch = "x86_64")]
    // SAFETY: AVX-512F is present and the lengths are checked (`check`);
    // `dst` is valid and unaliased (the caller's contract).
    unsafe {
        avx512::product(pool, parts, p, dst)
    };
}

// Offsets below are bounded by the operand sizes `check` verified.
#[cfg(target_arch = "x86_64")]
#[allow(clippy::arithmetic_side_effects)]
mod avx512 {
    use super::Product;
    use rayon::ThreadPool;
    use std::arch::x86_64::*;

    /// Rows per block: 12 rows × 2 vectors of accumulators, two weight
    /// vectors and a broadcast fill 27 of the 32 registers.
    const MR: usize = 12;
    /// Columns per panel: two vectors.
    const NR: usize = 32;

    /// The output pointer and row stride.
    #[derive(Clone, Copy)]
    struct Dst {
        ptr: *mut f32,
        ld: usize,
    }
    // SAFETY: pool threads write disjoint tiles through the pointer while
    // `product` waits for them, so sharing it creates no concurrent access
    // to one element.
    unsafe impl Send for Dst {}
    // SAFETY: as above.
    unsafe impl Sync for Dst {}

    /// Tiles in the order that keeps the larger operand's block hot: a
    /// weight panel reused down all rows when the weights outweigh the
    /// activations, else a row block reused across all panels.
    fn tile_at(p: &Product<'_>, index: usize) -> (usize, usize) {
        let rows = p.m.div_ceil(MR);
        let panels = p.n.div_ceil(NR);
        if p.n > p.m {
            ((index % rows) * MR, (index / rows) * NR)
        } else {
            ((index / panels) * MR, (index % panels) * NR)
        }
    }

    /// # Safety
    /// AVX-512F present; `p.a`, `p.b` and `dst` hold m·k, k·n and m·n
    /// elements, the bias (if any) n; `dst` does not alias them.
    pub(super) unsafe fn product(pool: &ThreadPool, parts: usize, p: &Product<'_>, dst: *mut f32) {
        use rayon::prelude::*;
        let dst = Dst { ptr: dst, ld: p.n };
        let tiles = p.m.div_ceil(MR) * p.n.div_ceil(NR);
        let run = |range: std::ops::Range<usize>| {
            for index in range {
                let (i0, j0) = tile_at(p, index);
                // SAFETY: tile_at gives i0 < m and j0 < n for index < tiles;
                // the caller's contract covers the rest.
                unsafe { block(p, dst, i0, j0) }
            }
        };
        if parts <= 1 || tiles < 2 {
            run(0..tiles);
            return;
        }
        // Contiguous runs of tiles, so each thread keeps its blocks hot.
        let per = tiles.div_ceil(parts);
        pool.install(|| {
            (0..tiles.div_ceil(per))
                .into_par_iter()
                .for_each(|part| run(part * per..((part + 1) * per).min(tiles)));
        });
    }

    /// Rows `i0..i0 + MR` and columns `j0..j0 + NR`, clipped to m and n.
    ///
    /// # Safety
    /// As [`product`], with i0 < m and j0 < n.
    #[target_feature(enable = "avx512f")]
    unsafe fn block(p: &Product<'_>, dst: Dst, i0: usize, j0: usize) {
        let rows = (p.m - i0).min(MR);
        let cols = (p.n - j0).min(NR);
        // SAFETY: forwarded; `rows` and `cols` stay inside m and n.
        unsafe {
            if cols > 16 {
                match rows {
                    12 => tile::<12, 2>(p, dst, i0, j0, cols),
                    11 => tile::<11, 2>(p, dst, i0, j0, cols),
                    10 => tile::<10, 2>(p, dst, i0, j0, cols),
                    9 => tile::<9, 2>(p, dst, i0, j0, cols),
                    8 => tile::<8, 2>(p, dst, i0, j0, cols),
                    7 => tile::<7, 2>(p, dst, i0, j0, cols),
                    6 => tile::<6, 2>(p, dst, i0, j0, cols),
                    5 => tile::<5, 2>(p, dst, i0, j0, cols),
                    4 => tile::<4, 2>(p, dst, i0, j0, cols),
                    3 => tile::<3, 2>(p, dst, i0, j0, cols),
                    2 => tile::<2, 2>(p, dst, i0, j0, cols),
                    _ => tile::<1, 2>(p, dst, i0, j0, cols),
                }
            } else {
                match rows {
                    12 => tile::<12, 1>(p, dst, i0, j0, cols),
                    11 => tile::<11, 1>(p, dst, i0, j0, cols),
                    10 => tile::<10, 1>(p, dst, i0, j0, cols),
                    9 => tile::<9, 1>(p, dst, i0, j0, cols),
                    8 => tile::<8, 1>(p, dst, i0, j0, cols),
                    7 => tile::<7, 1>(p, dst, i0, j0, cols),
                    6 => tile::<6, 1>(p, dst, i0, j0, cols),
                    5 => tile::<5, 1>(p, dst, i0, j0, cols),
                    4 => tile::<4, 1>(p, dst, i0, j0, cols),
                    3 => tile::<3, 1>(p, dst, i0, j0, cols),
                    2 => tile::<2, 1>(p, dst, i0, j0, cols),
                    _ => tile::<1, 1>(p, dst, i0, j0, cols),
                }
            }
        }
    }

    /// Lanes `0..count` of a vector (all when count ≥ 16).
    #[inline]
    fn lanes(count: usize) -> __mmask16 {
        if count >= 16 {
            0xffff
        } else {
            ((1u32 << count) - 1) as __mmask16
        }
    }

    /// `R` rows × `V` vectors of columns, the last vector masked to `cols`.
    ///
    /// # Safety
    /// As [`product`], with i0 + R ≤ m, j0 + cols ≤ n and
    /// 16·(V-1) < cols ≤ 16·V.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn tile<const R: usize, const V: usize>(
        p: &Product<'_>,
        dst: Dst,
        i0: usize,
        j0: usize,
        cols: usize,
    ) {
        let mut masks = [0 as __mmask16; V];
        for (v, mask) in masks.iter_mut().enumerate() {
            *mask = lanes(cols - 16 * v);
        }
        let mut acc = [[_mm512_setzero_ps(); V]; R];
        let a = p.a.as_ptr().wrapping_add(i0 * p.k);
        let b = p.b.as_ptr().wrapping_add(j0);
        for kk in 0..p.k {
            let mut w = [_mm512_setzero_ps(); V];
            for (v, (wv, mask)) in w.iter_mut().zip(masks).enumerate() {
                // SAFETY: row kk < k of B, columns j0 + 16v.. masked to
                // j0 + cols ≤ n: inside the k·n elements.
                *wv = unsafe { _mm512_maskz_loadu_ps(mask, b.add(kk * p.n + 16 * v)) };
            }
            for (r, row) in acc.iter_mut().enumerate() {
                // SAFETY: (i0 + r)·k + kk < m·k.
                let x = _mm512_set1_ps(unsafe { *a.add(r * p.k + kk) });
                for (sum, wv) in row.iter_mut().zip(w) {
                    *sum = _mm512_fmadd_ps(x, wv, *sum);
                }
            }
        }
        let lo = _mm512_set1_ps(p.lo);
        let hi = _mm512_set1_ps(p.hi);
        let mut bias = [_mm512_setzero_ps(); V];
        if let Some(values) = p.bias {
            for (v, (bv, mask)) in bias.iter_mut().zip(masks).enumerate() {
                // SAFETY: columns j0 + 16v.. masked to j0 + cols ≤ n ≤ the
                // bias length.
                *bv = unsafe { _mm512_maskz_loadu_ps(mask, values.as_ptr().add(j0 + 16 * v)) };
            }
        }
        for (r, row) in acc.iter().enumerate() {
            for (v, ((sum, add), mask)) in row.iter().zip(bias).zip(masks).enumerate() {
                // max/min return their second operand when either is NaN,
                // so NaN passes through as in the separate ops.
                let out = _mm512_min_ps(hi, _mm512_max_ps(lo, _mm512_add_ps(*sum, add)));
                // SAFETY: row i0 + r < m, columns masked to j0 + cols ≤ n:
                // inside the m·n output.
                unsafe {
                    _mm512_mask_storeu_ps(dst.ptr.add((i0 + r) * dst.ld + j0 + 16 * v), mask, out)
                };
            }
        }
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
mod tests {
    use super::super::uninit::OutputVec;
    use super::*;

    fn pool() -> ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap()
    }

    fn values(n: usize, seed: u32) -> Vec<f32> {
        (0..n)
            .map(|i| {
                ((i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) % 2001) as f32 / 1000.0
                    - 1.0
            })
            .collect()
    }

    fn run(p: &Product<'_>) -> Result<Vec<f32>> {
        let len = p.m.checked_mul(p.n).unwrap_or(6);
        OutputVec::new(Vec::with_capacity(len), len)?
            .init_blocks(len, |_, c| product_into(&pool(), p, c))
    }

    #[test]
    fn matches_the_naive_product_on_every_edge() {
        if !available() {
            return;
        }
        for m in [1, 5, 12, 13, 25, 49] {
            for n in [1, 7, 16, 17, 32, 33, 80, 144] {
                for k in [0, 1, 3, 27, 64] {
                    let a = values(m * k, 1);
                    let b = values(k * n, 2);
                    let bias = values(n, 3);
                    for (with_bias, lo, hi) in
                        [(false, f32::NEG_INFINITY, f32::INFINITY), (true, 0.0, 6.0)]
                    {
                        let p = Product {
                            m,
                            n,
                            k,
                            a: &a,
                            b: &b,
                            bias: with_bias.then_some(&bias[..]),
                            lo,
                            hi,
                        };
                        let got = run(&p).unwrap();
                        let mut again = vec![f32::NAN; m * n];
                        product(&pool(), &p, &mut again).unwrap();
                        assert_eq!(got, again);
                        for i in 0..m {
                            for j in 0..n {
                                let mut s = 0f32;
                                for kk in 0..k {
                                    s = a[i * k + kk].mul_add(b[kk * n + j], s);
                                }
                                if with_bias {
                                    s += bias[j];
                                }
                                let want = s.max(lo).min(hi);
                                let g = got[i * n + j];
                                assert!(
                                    (g - want).abs() <= 1e-4,
                                    "{m}x{k}x{n} [{i},{j}]: {g} vs {want}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn short_operands_are_refused() {
        let a = [1f32; 6];
        let b = [1f32; 6];
        let p = Product {
            m: 2,
            n: 3,
            k: 3,
            a: &a,
            b: &b[..5],
            bias: None,
            lo: 0.0,
            hi: 1.0,
        };
        assert!(run(&p).is_err());
        let p = Product {
            b: &b,
            bias: Some(&a[..2]),
            ..p
        };
        assert!(run(&p).is_err());
        let p = Product { m: usize::MAX, ..p };
        assert!(run(&p).is_err());
    }

    #[test]
    fn nan_passes_the_clamp() {
        if !available() {
            return;
        }
        let a = [f32::NAN, 1.0];
        let b = [1.0f32, -1.0];
        let p = Product {
            m: 2,
            n: 1,
            k: 1,
            a: &a,
            b: &b[..1],
            bias: None,
            lo: 0.0,
            hi: 6.0,
        };
        let got = run(&p).unwrap();
        assert!(got[0].is_nan());
        assert_eq!(got[1], 1.0);
    }
}

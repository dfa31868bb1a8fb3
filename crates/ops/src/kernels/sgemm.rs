//! f32 matrix product with its epilogue, in AVX-512, for convolutions and
//! MatMuls whose right operand is a weight matrix. The left operand is
//! never packed: a 12-row block is read in place (each value broadcast).
//! Small weights are read in place in their row-major layout (32 columns
//! are 128 contiguous bytes, the microkernel's panel); large ones that
//! several row blocks read are packed per panel into one sequential stream
//! (see [`packed_len`]), per run or once at load ([`pack`]). The left
//! operand may instead be addressed through row and column tables
//! ([`Indexed`]: a convolution's patches read from its input). Bias and
//! clamp are applied before the single store.
//!
//! The safe entry checks every operand's length with checked arithmetic
//! before any pointer is formed.

use ward_tensor::{Error, Result};

use rayon::ThreadPool;
use rayon::prelude::*;

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
    /// `b` already packed by [`pack`], read instead of `b`.
    pub prepacked: Option<&'a [f32]>,
    /// Where `a`'s elements are when it is not dense (an implicit im2col).
    pub a_index: Option<Indexed<'a>>,
}

/// A left operand addressed through two tables: element (i, kk) is
/// `a[rows[i] + cols[kk]]`. A convolution's patch matrix read straight
/// from its (padded) input: `rows` holds each output pixel's first input
/// value, `cols` each tap's offset from it.
#[derive(Debug, Clone, Copy)]
pub struct Indexed<'a> {
    pub rows: &'a [usize],
    pub cols: &'a [usize],
}

/// Whether [`product_into`] runs on this CPU.
pub fn available() -> bool {
    super::has_avx512()
}

/// Overwrites `c` (exactly m·n elements) with the product; as
/// [`product_into`] for an output that is already initialized.
pub fn product(
    pool: &ThreadPool,
    p: &Product<'_>,
    packed: Option<&mut [f32]>,
    c: &mut [f32],
) -> Result<()> {
    check(p, c.len())?;
    let weights = weights(pool, p, packed)?;
    // SAFETY: `check` verified the operand lengths, that `c` holds exactly
    // m·n elements and that AVX-512F is present, `weights` checked the
    // packed copy; `c` is exclusively borrowed, so it cannot alias `a`,
    // `b`, the packed copy or the bias.
    unsafe { run(pool, p, weights, c.as_mut_ptr()) };
    Ok(())
}

/// Weights per panel are packed (one contiguous `k × 32` run per panel)
/// when the weights are big enough to come from memory and more than one
/// row block reads each panel: their rows are n·4 bytes apart, and the
/// hardware prefetcher loses such a stream at every page, while a packed
/// panel is one sequential stream. The length of the copy to pack into
/// for this run, or None (weights read in place, or packed beforehand).
pub fn packed_len(p: &Product<'_>) -> Option<usize> {
    if p.prepacked.is_some() || p.m <= PACK_MIN_ROWS || !packing_pays(p.k, p.n) {
        return None;
    }
    packed_size(p.k, p.n)
}

/// Whether `k × n` weights are worth packing once for every run: they are
/// large enough that their rows come from memory, and this CPU runs the
/// kernel.
pub fn packing_pays(k: usize, n: usize) -> bool {
    k.checked_mul(n).is_some_and(|w| w >= PACK_MIN_WEIGHTS) && available()
}

/// The length of `k × n` weights packed by [`pack`]: whole panels, the
/// last one zero-padded.
pub fn packed_size(k: usize, n: usize) -> Option<usize> {
    n.div_ceil(PANEL).checked_mul(PANEL)?.checked_mul(k)
}

/// Packs row-major `k × n` weights `b` into `packed`, which must hold
/// [`packed_size`] values; the last panel is zero beyond column n.
pub fn pack(k: usize, n: usize, b: &[f32], packed: &mut [f32]) -> Result<()> {
    check_pack(k, n, b, packed)?;
    packed
        .chunks_exact_mut(k.saturating_mul(PANEL).max(1))
        .enumerate()
        .for_each(|(j, panel)| pack_panel(n, b, j, panel));
    Ok(())
}

fn check_pack(k: usize, n: usize, b: &[f32], packed: &[f32]) -> Result<()> {
    let weights = k.checked_mul(n);
    if weights.is_none_or(|w| b.len() < w) || Some(packed.len()) != packed_size(k, n) {
        return Err(Error::internal(format!(
            "packing {k}x{n} weights of {} values into {}",
            b.len(),
            packed.len()
        )));
    }
    Ok(())
}

/// Panel j: rows 0..k of columns 32j..32j+32 (zero beyond n).
fn pack_panel(n: usize, b: &[f32], j: usize, panel: &mut [f32]) {
    let j0 = j.saturating_mul(PANEL);
    let cols = n.saturating_sub(j0).min(PANEL);
    for (row, dst) in b.chunks_exact(n.max(1)).zip(panel.chunks_exact_mut(PANEL)) {
        // cols ≤ PANEL, the chunk's length.
        if let Some((dst, pad)) = dst.split_at_mut_checked(cols) {
            if let Some(src) = row.get(j0..).and_then(|r| r.get(..cols)) {
                dst.copy_from_slice(src);
            }
            pad.fill(0.0);
        }
    }
}

/// Row blocks (12 rows) at and below which weights are read in place.
const PACK_MIN_ROWS: usize = 12;
/// Weights (elements) below which they stay in cache unpacked.
const PACK_MIN_WEIGHTS: usize = 1 << 15;
/// Columns per packed panel (the kernel's panel width).
const PANEL: usize = 32;

/// The weights' layout for the kernel: packed beforehand, packed now into
/// `packed` (which must hold [`packed_len`] values) when given, or
/// in place.
fn weights<'a>(
    pool: &ThreadPool,
    p: &Product<'a>,
    packed: Option<&'a mut [f32]>,
) -> Result<Weights<'a>> {
    if let Some(prepacked) = p.prepacked {
        if Some(prepacked.len()) != packed_size(p.k, p.n) {
            return Err(Error::internal("prepacked weights of the wrong length"));
        }
        return Ok(Weights {
            values: prepacked,
            packed: true,
        });
    }
    let Some(packed) = packed else {
        return Ok(Weights {
            values: p.b,
            packed: false,
        });
    };
    if Some(packed.len()) != packed_len(p) {
        return Err(Error::internal("packed weights of the wrong length"));
    }
    check_pack(p.k, p.n, p.b, packed)?;
    let panel_len = p.k.saturating_mul(PANEL).max(1);
    let pack = |(j, panel): (usize, &mut [f32])| pack_panel(p.n, p.b, j, panel);
    if parallel(pool, p) {
        pool.install(|| {
            packed
                .par_chunks_exact_mut(panel_len)
                .enumerate()
                .for_each(pack)
        });
    } else {
        packed
            .chunks_exact_mut(panel_len)
            .enumerate()
            .for_each(pack);
    }
    Ok(Weights {
        values: packed,
        packed: true,
    })
}

/// The weights as the kernel reads them.
#[derive(Clone, Copy)]
struct Weights<'a> {
    values: &'a [f32],
    /// Panels of `k × 32` (else row-major `k × n`).
    packed: bool,
}

/// Writes the product into `c`, which must hold exactly m·n elements,
/// its tiles shared over `pool` when that pays. An error (not a fallback)
/// when the CPU lacks AVX-512: check [`available`] first.
pub fn product_into<'a>(
    pool: &ThreadPool,
    p: &Product<'_>,
    packed: Option<&mut [f32]>,
    c: Uninit<'a, f32>,
) -> Result<Written<'a, f32>> {
    check(p, c.len())?;
    let weights = weights(pool, p, packed)?;
    let (dst, _, block) = c.into_raw();
    // SAFETY: `check` verified the operand lengths, that the block holds
    // exactly m·n elements and that AVX-512F is present, `weights` checked
    // the packed copy; the block is exclusively borrowed and cannot alias
    // `a`, `b`, the packed copy or the bias.
    unsafe { run(pool, p, weights, dst) };
    // SAFETY: `avx512::product` stores every element of the m×n output:
    // each 12-row block and 32-column panel (the last ones narrower) is
    // stored whole, masked only beyond column n.
    Ok(unsafe { block.assume_written() })
}

/// Whether the product is worth splitting over the pool.
fn parallel(pool: &ThreadPool, p: &Product<'_>) -> bool {
    let flops = p.m.saturating_mul(p.n).saturating_mul(p.k);
    pool.current_num_threads() > 1 && flops >= PARALLEL_MIN_FLOPS && !is_sequential()
}

/// The operands hold what the product reads, the output `c_len_given`
/// elements is exactly m·n, and the CPU has AVX-512.
fn check(p: &Product<'_>, c_len_given: usize) -> Result<()> {
    let size = |rows: usize, cols: usize, what: &str| {
        rows.checked_mul(cols)
            .ok_or_else(|| Error::overflow(format!("{what} size")))
    };
    let (dense_a_len, b_len, c_len) = (
        size(p.m, p.k, "left matrix")?,
        size(p.k, p.n, "right matrix")?,
        size(p.m, p.n, "output matrix")?,
    );
    let a_len = match p.a_index {
        None => dense_a_len,
        Some(index) => indexed_len(p, index)?,
    };
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

/// The length an indexed left operand must have: one past its furthest
/// element; both tables must match the product's m and k.
fn indexed_len(p: &Product<'_>, index: Indexed<'_>) -> Result<usize> {
    if index.rows.len() != p.m || index.cols.len() != p.k {
        return Err(Error::internal(format!(
            "a {}x{} left operand indexed by {} rows and {} columns",
            p.m,
            p.k,
            index.rows.len(),
            index.cols.len()
        )));
    }
    let (Some(row), Some(col)) = (index.rows.iter().max(), index.cols.iter().max()) else {
        return Ok(0);
    };
    row.checked_add(*col)
        .and_then(|last| last.checked_add(1))
        .ok_or_else(|| Error::overflow("indexed left matrix"))
}

/// # Safety
/// `check(p, len)` passed, `weights` came from [`weights`] for `p`, and
/// `dst` is valid for writes of `len` elements, not aliasing the operands.
unsafe fn run(pool: &ThreadPool, p: &Product<'_>, weights: Weights<'_>, dst: *mut f32) {
    let parts = if parallel(pool, p) {
        pool.current_num_threads().saturating_mul(4)
    } else {
        1
    };
    #[cfg(target_arch = "x86_64")]
    // SAFETY: AVX-512F is present and the lengths are checked (`check`);
    // `dst` is valid and unaliased (the caller's contract).
    unsafe {
        avx512::product(pool, parts, p, weights, dst)
    };
}

// Offsets below are bounded by the operand sizes `check` verified.
#[cfg(target_arch = "x86_64")]
#[allow(clippy::arithmetic_side_effects)]
mod avx512 {
    use super::{Product, Weights};
    use rayon::ThreadPool;
    use std::arch::x86_64::*;

    /// Rows per block: 12 rows × 2 vectors of accumulators, two weight
    /// vectors and a broadcast fill 27 of the 32 registers.
    pub(super) const MR: usize = 12;
    /// Columns per panel: two vectors.
    const NR: usize = super::PANEL;

    /// The weights' base pointer and layout.
    #[derive(Clone, Copy)]
    struct Panels {
        ptr: *const f32,
        packed: bool,
    }
    // SAFETY: read-only access to weights that outlive `product`.
    unsafe impl Send for Panels {}
    // SAFETY: as above.
    unsafe impl Sync for Panels {}

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
    /// activations, else a row block reused across all panels. Returns the
    /// tile's first row, its row count and its first column.
    fn tile_at(p: &Product<'_>, index: usize) -> (usize, usize, usize) {
        let blocks = row_blocks(p);
        let panels = p.n.div_ceil(NR);
        let (block, panel) = if p.n > p.m {
            (index % blocks, index / blocks)
        } else {
            (index / panels, index % panels)
        };
        let (i0, rows) = row_block(p.m, blocks, block);
        (i0, rows, panel * NR)
    }

    /// Row blocks of at most MR rows; indexed rows need a pointer register
    /// each, and twelve of them next to 24 accumulators were spilled to the
    /// stack (a 3×3 convolution over RGB ran at 40% of the FMA rate), so
    /// their blocks hold at most six.
    fn row_blocks(p: &Product<'_>) -> usize {
        let most = if p.a_index.is_some() { MR / 2 } else { MR };
        p.m.div_ceil(most)
    }

    /// Row block `b` of `blocks` over `m` rows: sizes differ by at most one
    /// (49 rows: four of 10 and one of 9, not four of 12 and a single row,
    /// whose tile loads two weight vectors per pair of FMAs).
    pub(super) fn row_block(m: usize, blocks: usize, b: usize) -> (usize, usize) {
        let (base, extra) = (m / blocks, m % blocks);
        (b * base + b.min(extra), base + usize::from(b < extra))
    }

    /// # Safety
    /// AVX-512F present; `p.a`, `p.b` and `dst` hold m·k, k·n and m·n
    /// elements, the bias (if any) n; `dst` does not alias them.
    pub(super) unsafe fn product(
        pool: &ThreadPool,
        parts: usize,
        p: &Product<'_>,
        weights: Weights<'_>,
        dst: *mut f32,
    ) {
        use rayon::prelude::*;
        let dst = Dst { ptr: dst, ld: p.n };
        let w = Panels {
            ptr: weights.values.as_ptr(),
            packed: weights.packed,
        };
        let tiles = row_blocks(p) * p.n.div_ceil(NR);
        let run = |range: std::ops::Range<usize>| {
            for index in range {
                let (i0, rows, j0) = tile_at(p, index);
                // SAFETY: tile_at gives i0 + rows ≤ m, 1 ≤ rows ≤ MR and
                // j0 < n for index < tiles;
                // the caller's contract covers the rest.
                unsafe { block(p, w, dst, i0, rows, j0) }
            }
        };
        if parts <= 1 || tiles < 2 {
            run(0..tiles);
            return;
        }
        // Contiguous runs of tiles, so each thread keeps its blocks hot,
        // whose lengths differ by at most one tile (25 tiles in 8 parts:
        // 4 and 3s, not 4s and a 1 that leave one thread a third idle).
        let parts = parts.min(tiles);
        pool.install(|| {
            (0..parts)
                .into_par_iter()
                .for_each(|part| run(part * tiles / parts..(part + 1) * tiles / parts));
        });
    }

    /// Rows `i0..i0 + rows` and columns `j0..j0 + NR`, clipped to n.
    ///
    /// # Safety
    /// As [`product`], with 1 ≤ rows ≤ MR, i0 + rows ≤ m and j0 < n.
    #[target_feature(enable = "avx512f")]
    unsafe fn block(p: &Product<'_>, w: Panels, dst: Dst, i0: usize, rows: usize, j0: usize) {
        let cols = (p.n - j0).min(NR);
        // One instantiation per row count, so each tile's accumulators
        // stay in registers.
        macro_rules! by_rows {
            ($v:literal, $l:ty) => {
                match rows {
                    12 => tile::<12, $v, $l>(p, w, dst, i0, j0, cols),
                    11 => tile::<11, $v, $l>(p, w, dst, i0, j0, cols),
                    10 => tile::<10, $v, $l>(p, w, dst, i0, j0, cols),
                    9 => tile::<9, $v, $l>(p, w, dst, i0, j0, cols),
                    8 => tile::<8, $v, $l>(p, w, dst, i0, j0, cols),
                    7 => tile::<7, $v, $l>(p, w, dst, i0, j0, cols),
                    6 => tile::<6, $v, $l>(p, w, dst, i0, j0, cols),
                    5 => tile::<5, $v, $l>(p, w, dst, i0, j0, cols),
                    4 => tile::<4, $v, $l>(p, w, dst, i0, j0, cols),
                    3 => tile::<3, $v, $l>(p, w, dst, i0, j0, cols),
                    2 => tile::<2, $v, $l>(p, w, dst, i0, j0, cols),
                    _ => tile::<1, $v, $l>(p, w, dst, i0, j0, cols),
                }
            };
        }
        // SAFETY: forwarded; `rows` and `cols` stay inside m and n, and
        // the row reader matches `p.a_index`.
        unsafe {
            match (cols > 16, p.a_index.is_some()) {
                (true, false) => by_rows!(2, DenseRows),
                (false, false) => by_rows!(1, DenseRows),
                (true, true) => by_rows!(2, IndexedRows),
                (false, true) => by_rows!(1, IndexedRows),
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

    /// Reads the left operand's rows `i0..i0 + R`.
    trait Left: Copy {
        /// # Safety
        /// `p` passed `check`, i0 + R ≤ m; `p.a_index` is set iff the
        /// type is [`IndexedRows`].
        unsafe fn rows<const R: usize>(p: &Product<'_>, i0: usize) -> Self;
        /// Element (i0 + r, kk).
        ///
        /// # Safety
        /// r < R and kk < k for the `R` this was made with.
        unsafe fn at(&self, r: usize, kk: usize) -> f32;
    }

    /// Dense rows k apart.
    #[derive(Clone, Copy)]
    struct DenseRows {
        a: *const f32,
        k: usize,
    }

    impl Left for DenseRows {
        #[inline(always)]
        unsafe fn rows<const R: usize>(p: &Product<'_>, i0: usize) -> Self {
            DenseRows {
                a: p.a.as_ptr().wrapping_add(i0 * p.k),
                k: p.k,
            }
        }
        #[inline(always)]
        unsafe fn at(&self, r: usize, kk: usize) -> f32 {
            // SAFETY: (i0 + r)·k + kk < m·k ≤ the length `check` verified.
            unsafe { *self.a.add(r * self.k + kk) }
        }
    }

    /// Rows through [`super::Indexed`]: each row's first element, and the
    /// columns' offsets from it.
    #[derive(Clone, Copy)]
    struct IndexedRows {
        rows: [*const f32; MR],
        cols: *const usize,
    }

    impl Left for IndexedRows {
        #[inline(always)]
        unsafe fn rows<const R: usize>(p: &Product<'_>, i0: usize) -> Self {
            let mut rows = [p.a.as_ptr(); MR];
            let (table, cols) = p
                .a_index
                .map_or((&[][..], std::ptr::null()), |x| (x.rows, x.cols.as_ptr()));
            for (r, row) in rows.iter_mut().enumerate().take(R) {
                // SAFETY: i0 + r < m = the table's length (`check`), and
                // every entry plus every column offset is inside `a`.
                *row = unsafe { p.a.as_ptr().add(*table.get_unchecked(i0 + r)) };
            }
            IndexedRows { rows, cols }
        }
        #[inline(always)]
        unsafe fn at(&self, r: usize, kk: usize) -> f32 {
            // SAFETY: r < R ≤ MR, kk < k = the column table's length, and
            // `check` verified max(rows) + max(cols) < a's length.
            unsafe { *self.rows.get_unchecked(r).add(*self.cols.add(kk)) }
        }
    }

    /// `R` rows × `V` vectors of columns, the last vector masked to `cols`.
    ///
    /// # Safety
    /// As [`product`], with i0 + R ≤ m, j0 + cols ≤ n and
    /// 16·(V-1) < cols ≤ 16·V.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn tile<const R: usize, const V: usize, L: Left>(
        p: &Product<'_>,
        w: Panels,
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
        // SAFETY: forwarded from the caller.
        let a = unsafe { L::rows::<R>(p, i0) };
        // Row kk of this panel: `b + kk·ld`, columns masked to `cols`.
        let (b, ld) = if w.packed {
            (w.ptr.wrapping_add(j0 * p.k), super::PANEL)
        } else {
            (w.ptr.wrapping_add(j0), p.n)
        };
        for kk in 0..p.k {
            // The weight rows 16 ahead: without it each tile waited on its
            // panel's loads (MobileNetV2 15% slower; 8 ahead gave most of
            // it, 32 no more). Prefetches never fault, so running past
            // the weights is harmless.
            _mm_prefetch::<_MM_HINT_T0>(b.wrapping_add((kk + 16) * ld).cast());
            _mm_prefetch::<_MM_HINT_T0>(b.wrapping_add((kk + 16) * ld + 16).cast());
            let mut wv = [_mm512_setzero_ps(); V];
            for (v, (wv, mask)) in wv.iter_mut().zip(masks).enumerate() {
                // SAFETY: in place, row kk < k of B and columns j0 + 16v..
                // masked to j0 + cols ≤ n: inside the k·n elements. Packed,
                // panel j0/32 starts at j0·k and row kk's 32 values end at
                // j0·k + 32(kk + 1) ≤ 32·panels·k, the packed length.
                *wv = unsafe { _mm512_maskz_loadu_ps(mask, b.add(kk * ld + 16 * v)) };
            }
            for (r, row) in acc.iter_mut().enumerate() {
                // SAFETY: r < R, kk < k.
                let x = _mm512_set1_ps(unsafe { a.at(r, kk) });
                for (sum, wv) in row.iter_mut().zip(wv) {
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
    use crate::kernels::test_values as values;

    fn pool() -> ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap()
    }

    fn run(p: &Product<'_>) -> Result<Vec<f32>> {
        let len = p.m.checked_mul(p.n).unwrap_or(6);
        OutputVec::new(Vec::with_capacity(len), len)?
            .init_blocks(len, |_, c| product_into(&pool(), p, None, c))
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn row_blocks_cover_every_row_once_in_near_equal_sizes() {
        use super::avx512::{MR, row_block};
        for m in 1..400usize {
            let blocks = m.div_ceil(MR);
            let mut next = 0;
            let sizes: Vec<usize> = (0..blocks)
                .map(|b| {
                    let (start, rows) = row_block(m, blocks, b);
                    assert_eq!(start, next, "m {m} block {b}");
                    next += rows;
                    rows
                })
                .collect();
            assert_eq!(next, m);
            let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(*lo >= 1 && *hi <= MR && hi - lo <= 1, "m {m}: {sizes:?}");
        }
        assert_eq!(row_block(49, 5, 4), (40, 9));
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
                            prepacked: None,
                            a_index: None,
                        };
                        let got = run(&p).unwrap();
                        let mut again = vec![f32::NAN; m * n];
                        product(&pool(), &p, None, &mut again).unwrap();
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
    fn packed_weights_give_the_same_product() {
        if !available() {
            return;
        }
        for (m, k, n) in [(13, 300, 144), (49, 256, 130), (30, 1024, 40)] {
            let (a, b, bias) = (values(m * k, 4), values(k * n, 5), values(n, 6));
            let p = Product {
                m,
                n,
                k,
                a: &a,
                b: &b,
                bias: Some(&bias),
                lo: 0.0,
                hi: 6.0,
                prepacked: None,
                a_index: None,
            };
            let len = packed_len(&p).unwrap();
            assert_eq!(len, n.div_ceil(32) * 32 * k);
            let mut in_place = vec![f32::NAN; m * n];
            product(&pool(), &p, None, &mut in_place).unwrap();
            let mut packed = vec![0f32; len];
            let mut via_panels = vec![f32::NAN; m * n];
            product(&pool(), &p, Some(&mut packed), &mut via_panels).unwrap();
            assert_eq!(in_place, via_panels, "{m}x{k}x{n}");
            // A copy of the wrong size is refused.
            let mut short = vec![0f32; len - 1];
            assert!(product(&pool(), &p, Some(&mut short), &mut via_panels).is_err());
            // Packed once beforehand: the same product, at any row count.
            let mut once = vec![f32::NAN; len];
            pack(k, n, &b, &mut once).unwrap();
            assert_eq!(once, packed, "{m}x{k}x{n}");
            for rows in [m, 1, 5] {
                let p = Product { m: rows, ..p };
                let mut want = vec![f32::NAN; rows * n];
                product(&pool(), &p, None, &mut want).unwrap();
                let prepacked = Product {
                    prepacked: Some(&once),
                    ..p
                };
                assert_eq!(packed_len(&prepacked), None);
                let mut got = vec![f32::NAN; rows * n];
                product(&pool(), &prepacked, None, &mut got).unwrap();
                assert_eq!(want, got, "{rows}x{k}x{n} prepacked");
            }
            let wrong = Product {
                prepacked: Some(&once[1..]),
                ..p
            };
            assert!(product(&pool(), &wrong, None, &mut via_panels).is_err());
            assert!(pack(k, n, &b[1..], &mut once).is_err());
            assert!(pack(k, n, &b, &mut short).is_err());
        }
        // Few rows or small weights read the weights in place.
        let (a, b) = (values(12 * 4096, 1), values(4096 * 64, 2));
        let few = Product {
            m: 12,
            n: 64,
            k: 4096,
            a: &a,
            b: &b,
            bias: None,
            lo: 0.0,
            hi: 1.0,
            prepacked: None,
            a_index: None,
        };
        assert_eq!(packed_len(&few), None);
        assert_eq!(
            packed_len(&Product {
                m: 100,
                k: 16,
                n: 16,
                ..few
            }),
            None
        );
    }

    #[test]
    fn an_indexed_left_operand_reads_through_its_tables() {
        if !available() {
            return;
        }
        // Rows of a 3-wide, 2-tall window sliding over a 9-wide "image" of
        // 2 channels (so rows overlap), as an implicit im2col would read it.
        let image = values(9 * 9 * 2, 7);
        let cols: Vec<usize> = (0..2)
            .flat_map(|dy| (0..3).flat_map(move |dx| (0..2).map(move |c| (dy * 9 + dx) * 2 + c)))
            .collect();
        let k = cols.len();
        // Indexed blocks of at most six rows, of near-equal size (9 rows: 5
        // and 4; 22: 6, 6, 5 and 5).
        for (m, n) in [(1, 5), (9, 17), (12, 32), (22, 32), (25, 33), (49, 80)] {
            let rows: Vec<usize> = (0..m).map(|i| ((i / 7) * 9 + i % 7) * 2).collect();
            let dense: Vec<f32> = rows
                .iter()
                .flat_map(|&r| cols.iter().map(|&c| image[r + c]).collect::<Vec<_>>())
                .collect();
            let (b, bias) = (values(k * n, 8), values(n, 9));
            let p = Product {
                m,
                n,
                k,
                a: &dense,
                b: &b,
                bias: Some(&bias),
                lo: -0.5,
                hi: 0.5,
                prepacked: None,
                a_index: None,
            };
            let want = run(&p).unwrap();
            let indexed = Product {
                a: &image,
                a_index: Some(Indexed {
                    rows: &rows,
                    cols: &cols,
                }),
                ..p
            };
            assert_eq!(run(&indexed).unwrap(), want, "{m}x{k}x{n}");
            // A table reaching past the operand, or of the wrong length,
            // is refused before anything is read.
            let past = Product {
                a: &image[..rows[m - 1] + cols[k - 1]],
                ..indexed
            };
            assert!(run(&past).is_err());
            let short = Product {
                a_index: Some(Indexed {
                    rows: &rows[1..],
                    cols: &cols,
                }),
                ..indexed
            };
            assert!(run(&short).is_err());
            let far = [usize::MAX];
            let overflowing = Product {
                m: 1,
                a_index: Some(Indexed {
                    rows: &far,
                    cols: &cols,
                }),
                ..indexed
            };
            let mut out = vec![0f32; n];
            assert!(product(&pool(), &overflowing, None, &mut out).is_err());
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
            prepacked: None,
            a_index: None,
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
            prepacked: None,
            a_index: None,
        };
        let got = run(&p).unwrap();
        assert!(got[0].is_nan());
        assert_eq!(got[1], 1.0);
    }
}

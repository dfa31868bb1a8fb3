//! The interior of an f32 depthwise convolution row (channel multiplier 1)
//! in AVX-512: the quarter of MobileNetV2's time the auto-vectorized loop
//! spent half on bounds checks. The safe wrapper checks that every tap of
//! every pixel lies inside its input row and filter row, and that the
//! output holds exactly the pixels asked for, before any pointer is read.

/// The input and filter rows of one filter row inside the image.
#[derive(Debug, Clone, Copy)]
pub struct TapRow<'a> {
    /// A whole input row: `in_w * channels` values.
    pub input: &'a [f32],
    /// The filter row: `k_w * channels` values.
    pub filter: &'a [f32],
}

/// One output row's interior: pixels whose every column tap is inside the
/// input row.
#[derive(Debug, Clone, Copy)]
pub struct Interior<'a> {
    pub rows: &'a [TapRow<'a>],
    pub channels: usize,
    pub k_w: usize,
    pub stride: usize,
    /// Input column of the first output pixel's leftmost tap.
    pub first_col: usize,
    pub bias: Option<&'a [f32]>,
    /// The activation as a clamp: `min(hi, max(lo, v))`, NaN kept.
    pub lo: f32,
    pub hi: f32,
}

/// Whether [`interior`] runs on this CPU.
pub fn available() -> bool {
    super::has_avx512()
}

/// Computes the pixels of `out` (`out.len() / channels` of them, channels
/// last): sums over the taps in filter-row then column order, plus bias,
/// clamped. Returns false, leaving `out` alone, when this CPU lacks
/// AVX-512 or the geometry does not fit the slices.
pub fn interior(task: &Interior<'_>, out: &mut [f32]) -> bool {
    if !available() || !fits(task, out.len()) {
        return false;
    }
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: AVX-512F is present (checked above), and `fits` checked
        // every offset `interior_avx512` reads or writes.
        unsafe { avx512::interior(task, out) };
        true
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Every read and write of the kernel is inside its slice.
fn fits(task: &Interior<'_>, out_len: usize) -> bool {
    let c = task.channels;
    if task.k_w == 0 || task.stride == 0 || out_len.checked_rem(c) != Some(0) {
        return false;
    }
    let Some(last) = out_len.checked_div(c).and_then(|p| p.checked_sub(1)) else {
        return true;
    };
    // Last input column read: first_col + last * stride + k_w - 1.
    let row_need = last
        .checked_mul(task.stride)
        .and_then(|v| v.checked_add(task.first_col))
        .and_then(|v| v.checked_add(task.k_w))
        .and_then(|v| v.checked_mul(c));
    let filter_need = task.k_w.checked_mul(c);
    let (Some(row_need), Some(filter_need)) = (row_need, filter_need) else {
        return false;
    };
    // Offsets are formed as isize by pointer arithmetic.
    if row_need > isize::MAX.unsigned_abs() / 4 {
        return false;
    }
    task.rows
        .iter()
        .all(|r| r.input.len() >= row_need && r.filter.len() >= filter_need)
        && task.bias.is_none_or(|b| b.len() >= c)
}

// Offsets below are bounded by the row length `fits` checked.
#[cfg(target_arch = "x86_64")]
#[allow(clippy::arithmetic_side_effects)]
mod avx512 {
    use super::Interior;
    use std::arch::x86_64::*;

    /// Pixels computed together: 8 accumulators, a filter vector and the
    /// loads fit the 32 registers.
    const TILE: usize = 8;

    /// # Safety
    /// AVX-512F must be available and `super::fits(task, out.len())` true.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn interior(task: &Interior<'_>, out: &mut [f32]) {
        let c = task.channels;
        let pixels = out.len() / c;
        if pixels == 0 {
            // `fits` checked nothing of the rows: no pointer may be formed.
            return;
        }
        let lo = _mm512_set1_ps(task.lo);
        let hi = _mm512_set1_ps(task.hi);
        let tail = c % 16;
        let tail_mask = ((1u32 << tail) - 1) as __mmask16;
        if let [r0, r1, r2] = task.rows
            && task.k_w == 3
        {
            let rows = [r0, r1, r2];
            let mut c0 = 0;
            while c0 < c {
                // SAFETY: channels c0..c0 + 16 (masked to c) of every pixel
                // are inside what `fits` checked.
                unsafe {
                    if c - c0 >= 16 {
                        three_by_three::<true>(task, rows, out, c0, 0xffff, lo, hi);
                    } else {
                        three_by_three::<false>(task, rows, out, c0, tail_mask, lo, hi);
                    }
                }
                c0 += 16;
            }
            return;
        }
        let mut p = 0;
        while p < pixels {
            let width = (pixels - p).min(TILE);
            let mut c0 = 0;
            while c0 < c {
                let mask: __mmask16 = if c - c0 >= 16 { 0xffff } else { tail_mask };
                // SAFETY: pixels p..p + width and channels c0..c0 + 16
                // (masked to c) are inside what `fits` checked.
                unsafe {
                    match width {
                        8 => tile::<8>(task, out, p, c0, mask, lo, hi),
                        4..=7 => {
                            tile::<4>(task, out, p, c0, mask, lo, hi);
                            if width > 4 {
                                rest(task, out, p + 4, width - 4, c0, mask, lo, hi);
                            }
                        }
                        _ => rest(task, out, p, width, c0, mask, lo, hi),
                    }
                }
                c0 += 16;
            }
            p += width;
        }
    }

    /// Three filter rows of three taps (the common 3×3 filter), one
    /// 16-channel block of every pixel: the nine filter vectors stay in
    /// registers across the row, and each pixel is nine FMAs reading the
    /// input in place from nine running pointers. One pixel per step, not a
    /// tile of them: a tile's 72 addresses do not fit the registers and
    /// were spilled (2.3 against 4-5.8 FMAs per ns); out-of-order execution
    /// overlaps the pixels' independent sums instead. `FULL`: all 16
    /// channels, plain loads that fold into the FMAs.
    ///
    /// # Safety
    /// As [`tile`] for every pixel of `out`, `task.k_w == 3`, and `rows`
    /// are `task.rows`.
    #[allow(clippy::too_many_arguments)]
    #[target_feature(enable = "avx512f")]
    unsafe fn three_by_three<const FULL: bool>(
        task: &Interior<'_>,
        rows: [&super::TapRow<'_>; 3],
        out: &mut [f32],
        c0: usize,
        mask: __mmask16,
        lo: __m512,
        hi: __m512,
    ) {
        let c = task.channels;
        let pixels = out.len() / c;
        let start = task.first_col * c + c0;
        // SAFETY: pixel 0's first tap, channel c0: inside every input row
        // (`fits` checked the last pixel's last tap).
        let x = rows.map(|r| unsafe { r.input.as_ptr().add(start) });
        let w = rows.map(|r| {
            let f = r.filter.as_ptr();
            // SAFETY: `fits` checked filter rows of k_w * c = 3 * c values;
            // tap kw's channels c0.. (masked to c) lie inside.
            [0, 1, 2].map(|kw| unsafe { load::<FULL>(mask, f.add(kw * c + c0)) })
        });
        // SAFETY: `fits` checked a bias of at least c values.
        let bias = task
            .bias
            .map(|b| unsafe { load::<FULL>(mask, b.as_ptr().add(c0)) });
        let step = task.stride * c;
        // SAFETY: c0 < c ≤ out.len(): `interior` returned early without
        // a pixel.
        let dst = unsafe { out.as_mut_ptr().add(c0) };
        for p in 0..pixels {
            let mut acc = _mm512_setzero_ps();
            // Rows, then taps: the order `tile` and the generic loop sum in.
            for (row, taps) in x.iter().zip(&w) {
                for (kw, wv) in taps.iter().enumerate() {
                    // SAFETY: column first_col + p * stride + kw of this
                    // row, inside it (`fits`).
                    let xv = unsafe { load::<FULL>(mask, row.add(p * step + kw * c)) };
                    acc = _mm512_fmadd_ps(xv, *wv, acc);
                }
            }
            if let Some(b) = bias {
                acc = _mm512_add_ps(acc, b);
            }
            // NaN passes the clamp, as in `tile`.
            acc = _mm512_min_ps(hi, _mm512_max_ps(lo, acc));
            // SAFETY: pixel p of `out`, channels under the mask.
            unsafe {
                let at = dst.add(p * c);
                if FULL {
                    _mm512_storeu_ps(at, acc);
                } else {
                    _mm512_mask_storeu_ps(at, mask, acc);
                }
            }
        }
    }

    /// 16 channels, all of them (plain loads fold into the FMAs) or under
    /// `mask`.
    ///
    /// # Safety
    /// The 16 values (those under `mask`) at `p` are readable.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn load<const FULL: bool>(mask: __mmask16, p: *const f32) -> __m512 {
        // SAFETY: the caller's contract.
        unsafe {
            if FULL {
                _mm512_loadu_ps(p)
            } else {
                _mm512_maskz_loadu_ps(mask, p)
            }
        }
    }

    /// Fewer than four pixels, one at a time.
    #[allow(clippy::too_many_arguments)]
    #[target_feature(enable = "avx512f")]
    unsafe fn rest(
        task: &Interior<'_>,
        out: &mut [f32],
        p: usize,
        count: usize,
        c0: usize,
        mask: __mmask16,
        lo: __m512,
        hi: __m512,
    ) {
        for q in p..p + count {
            // SAFETY: the caller's contract covers pixels p..p + count.
            unsafe { tile::<1>(task, out, q, c0, mask, lo, hi) };
        }
    }

    /// Pixels `p..p + N`, channels `c0..` under `mask`.
    ///
    /// # Safety
    /// `fits` holds for `task` and `out`, `p + N` ≤ the pixel count and
    /// `c0` < channels with `mask` covering only channels below it.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    #[target_feature(enable = "avx512f")]
    unsafe fn tile<const N: usize>(
        task: &Interior<'_>,
        out: &mut [f32],
        p: usize,
        c0: usize,
        mask: __mmask16,
        lo: __m512,
        hi: __m512,
    ) {
        let c = task.channels;
        let step = task.stride * c;
        let mut acc = [_mm512_setzero_ps(); N];
        for row in task.rows {
            // Input offset of pixel p's first tap in this row.
            let base = (task.first_col + p * task.stride) * c + c0;
            let x = row.input.as_ptr();
            let w = row.filter.as_ptr();
            for kw in 0..task.k_w {
                // SAFETY: kw * c + c0 + 16 (masked) ≤ k_w * c ≤ filter len.
                let wv = unsafe { _mm512_maskz_loadu_ps(mask, w.add(kw * c + c0)) };
                let at = base + kw * c;
                for (i, a) in acc.iter_mut().enumerate() {
                    // SAFETY: the column read is first_col + (p + i) * stride
                    // + kw < first_col + (pixels - 1) * stride + k_w, so the
                    // channels read end within the row length `fits` checked.
                    let xv = unsafe { _mm512_maskz_loadu_ps(mask, x.add(at + i * step)) };
                    *a = _mm512_fmadd_ps(xv, wv, *a);
                }
            }
        }
        let bias = task.bias.map(|b| b.as_ptr());
        let dst = out.as_mut_ptr();
        for (i, a) in acc.iter().enumerate() {
            let mut v = *a;
            if let Some(b) = bias {
                // SAFETY: c0 + 16 (masked) ≤ channels ≤ bias length.
                v = _mm512_add_ps(v, unsafe { _mm512_maskz_loadu_ps(mask, b.add(c0)) });
            }
            // max/min return their second operand when either is NaN, so
            // NaN passes through as in the separate activation ops.
            v = _mm512_min_ps(hi, _mm512_max_ps(lo, v));
            // SAFETY: pixel p + i < pixels and c0 + 16 (masked) ≤ channels,
            // inside `out` of pixels * channels values.
            unsafe { _mm512_mask_storeu_ps(dst.add((p + i) * c + c0), mask, v) };
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
    use super::*;
    use crate::kernels::test_values as values;

    /// The same sums, one value at a time.
    fn naive(task: &Interior<'_>, pixels: usize) -> Vec<f32> {
        let c = task.channels;
        let mut out = vec![0f32; pixels * c];
        for p in 0..pixels {
            for ch in 0..c {
                let mut s = 0f32;
                for row in task.rows {
                    for kw in 0..task.k_w {
                        let col = task.first_col + p * task.stride + kw;
                        s = row.input[col * c + ch].mul_add(row.filter[kw * c + ch], s);
                    }
                }
                if let Some(b) = task.bias {
                    s += b[ch];
                }
                out[p * c + ch] = if s.is_nan() {
                    s
                } else {
                    s.max(task.lo).min(task.hi)
                };
            }
        }
        out
    }

    /// 3×3 filters take the one-pixel path; two rows (an image edge) and
    /// 5-wide filters the tiled one.
    #[test]
    fn matches_the_naive_sums_for_every_tile_and_channel_tail() {
        if !available() {
            return;
        }
        for (filter_rows, k_w) in [(3, 3), (2, 3), (3, 5)] {
            matches_the_naive_sums(filter_rows, k_w);
        }
    }

    fn matches_the_naive_sums(filter_rows: u32, k_w: usize) {
        for channels in [1, 3, 16, 17, 32, 40] {
            for stride in [1, 2] {
                for pixels in [1, 3, 4, 5, 8, 9, 13] {
                    for (lo, hi, bias) in
                        [(f32::NEG_INFINITY, f32::INFINITY, false), (0.0, 6.0, true)]
                    {
                        let in_w = 1 + (pixels - 1) * stride + k_w + 1;
                        let inputs: Vec<Vec<f32>> = (0..filter_rows)
                            .map(|r| values(in_w * channels, r))
                            .collect();
                        let filters: Vec<Vec<f32>> = (0..filter_rows)
                            .map(|r| values(k_w * channels, 7 + r))
                            .collect();
                        let rows: Vec<TapRow<'_>> = inputs
                            .iter()
                            .zip(&filters)
                            .map(|(input, filter)| TapRow { input, filter })
                            .collect();
                        let b = values(channels, 99);
                        let task = Interior {
                            rows: &rows,
                            channels,
                            k_w,
                            stride,
                            first_col: 1,
                            bias: bias.then_some(&b[..]),
                            lo,
                            hi,
                        };
                        let mut out = vec![f32::NAN; pixels * channels];
                        assert!(interior(&task, &mut out));
                        let want = naive(&task, pixels);
                        for (g, w) in out.iter().zip(&want) {
                            assert!(
                                (g - w).abs() <= 1e-5,
                                "{filter_rows}x{k_w} {channels} {stride} {pixels}: {g} vs {w}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn nan_passes_the_clamp() {
        if !available() {
            return;
        }
        let input = [f32::NAN; 3];
        let filter = [1.0f32; 3];
        let rows = [TapRow {
            input: &input,
            filter: &filter,
        }];
        let task = Interior {
            rows: &rows,
            channels: 1,
            k_w: 3,
            stride: 1,
            first_col: 0,
            bias: None,
            lo: 0.0,
            hi: 6.0,
        };
        let mut out = [0f32; 1];
        assert!(interior(&task, &mut out));
        assert!(out[0].is_nan());
    }

    #[test]
    fn no_pixels_read_nothing() {
        if !available() {
            return;
        }
        // Rows far too short for any pixel: with no pixel nothing is read.
        let rows = [TapRow {
            input: &[],
            filter: &[],
        }; 3];
        let task = Interior {
            rows: &rows,
            channels: 16,
            k_w: 3,
            stride: 1,
            first_col: 1000,
            bias: None,
            lo: 0.0,
            hi: 6.0,
        };
        assert!(interior(&task, &mut []));
    }

    #[test]
    fn refuses_taps_outside_the_rows() {
        let input = [0f32; 8];
        let filter = [0f32; 6];
        let rows = [TapRow {
            input: &input,
            filter: &filter,
        }];
        let mut task = Interior {
            rows: &rows,
            channels: 2,
            k_w: 3,
            stride: 1,
            first_col: 0,
            bias: None,
            lo: f32::NEG_INFINITY,
            hi: f32::INFINITY,
        };
        // Two pixels read columns 0..4: 8 values, fits exactly.
        assert!(fits(&task, 4));
        // Three pixels would read column 4.
        assert!(!fits(&task, 6));
        task.first_col = 1;
        assert!(!fits(&task, 4));
        // A partial pixel, a short filter, a short bias.
        assert!(!fits(&task, 3));
        task.first_col = 0;
        task.k_w = 4;
        assert!(!fits(&task, 2));
        task.k_w = 3;
        task.bias = Some(&filter[..1]);
        assert!(!fits(&task, 4));
        task.stride = usize::MAX;
        task.bias = None;
        assert!(!fits(&task, 4));
        let mut out = [0f32; 6];
        assert!(!interior(&task, &mut out));
    }
}

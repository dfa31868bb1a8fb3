//! Matrix multiply through the `gemm` crate (packing, SIMD microkernels,
//! rayon parallelism). The wrapper checks every slice length against
//! m, n, k with checked arithmetic before calling the raw-pointer API.

use rayon::ThreadPool;
use ward_tensor::{Error, Result, f16};

use super::uninit::{Uninit, Written};

/// Element types the `gemm` crate computes natively.
pub trait GemmFloat: Copy + Send + Sync + 'static {}
impl GemmFloat for f32 {}
impl GemmFloat for f64 {}
impl GemmFloat for f16 {}

/// Shape of one product `C[m×n] = op(A) · op(B)` over row-major storage,
/// where op transposes when the flag is set (A stored k×m, B stored n×k).
#[derive(Debug, Clone, Copy)]
pub struct GemmShape {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub transpose_a: bool,
    pub transpose_b: bool,
}

fn need(len: usize, rows: usize, cols: usize, what: &str) -> Result<()> {
    let required = rows
        .checked_mul(cols)
        .ok_or_else(|| Error::overflow(format!("{what} size")))?;
    if len < required {
        return Err(Error::internal(format!(
            "{what} holds {len} elements, {required} needed"
        )));
    }
    Ok(())
}

fn to_isize(v: usize) -> Result<isize> {
    isize::try_from(v).map_err(|_| Error::overflow("matrix stride"))
}

/// Work below which threading costs more than it saves.
const PARALLEL_MIN_FLOPS: usize = 1 << 18;

thread_local! {
    /// Set while a caller that already split its work over the pool runs
    /// one share of it: its products must not split again.
    static SEQUENTIAL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread is inside [`sequential`].
pub fn is_sequential() -> bool {
    SEQUENTIAL.get()
}

/// Runs `f` with every product it computes on this thread unsplit.
pub fn sequential<R>(f: impl FnOnce() -> R) -> R {
    let before = SEQUENTIAL.replace(true);
    let result = f();
    SEQUENTIAL.set(before);
    result
}

/// Computes `c = op(a) · op(b)`, overwriting `c`.
pub fn gemm<T: GemmFloat>(
    pool: &ThreadPool,
    shape: GemmShape,
    a: &[T],
    b: &[T],
    c: &mut [T],
    zero: T,
    one: T,
) -> Result<()> {
    // SAFETY: `c` is a live, exclusively borrowed slice of `c.len()`
    // elements that cannot alias `a` or `b`.
    unsafe { gemm_raw(pool, shape, a, b, c.as_mut_ptr(), c.len(), zero, one) }
}

/// Computes `op(a) · op(b)` into an output block that was never
/// initialized; the block must hold exactly m·n elements.
pub fn gemm_into<'a, T: GemmFloat>(
    pool: &ThreadPool,
    shape: GemmShape,
    a: &[T],
    b: &[T],
    c: Uninit<'a, T>,
    zero: T,
    one: T,
) -> Result<Written<'a, T>> {
    let exact = shape.m.checked_mul(shape.n);
    if exact != Some(c.len()) {
        return Err(Error::internal(format!(
            "output block of {} elements for a {}x{} product",
            c.len(),
            shape.m,
            shape.n
        )));
    }
    let (dst, len, block) = c.into_raw();
    // SAFETY: `dst` points to `len` exclusively borrowed (uninitialized)
    // elements that cannot alias `a` or `b`; gemm only writes them.
    unsafe { gemm_raw(pool, shape, a, b, dst, len, zero, one)? };
    // SAFETY: len == m*n (checked above). gemm_raw writes every element of
    // an m×n output: with k == 0 it stores `zero` everywhere; otherwise the
    // `gemm` crate, called with read_dst = false, zeroes alpha, and every
    // path it takes (microkernels with alpha_status 0, gemv, gevv,
    // horizontal kernels) then stores each dst element without reading it
    // first, later depth blocks reading only what the first one stored.
    // m == 0 or n == 0 means len == 0: nothing to write.
    Ok(unsafe { block.assume_written() })
}

/// The output pointer, movable into the pool's `install`.
struct DstPtr<T>(*mut T);
impl<T> DstPtr<T> {
    // A method, so closures capture the wrapper and not the raw field.
    fn get(&self) -> *mut T {
        self.0
    }
}
// SAFETY: the pointer is only dereferenced by the one product it was made
// for (inside `install`, while the caller of `gemm_raw` waits), so moving it
// to a pool thread cannot create a concurrent access.
unsafe impl<T: Send> Send for DstPtr<T> {}
// SAFETY: as above; shared references are only used to read the pointer.
unsafe impl<T: Send> Sync for DstPtr<T> {}

/// # Safety
/// `c` must be valid for writes of `c_len` elements, and not alias `a` or
/// `b` for the duration of the call.
#[allow(clippy::too_many_arguments)]
unsafe fn gemm_raw<T: GemmFloat>(
    pool: &ThreadPool,
    shape: GemmShape,
    a: &[T],
    b: &[T],
    c: *mut T,
    c_len: usize,
    zero: T,
    one: T,
) -> Result<()> {
    let GemmShape {
        m,
        n,
        k,
        transpose_a,
        transpose_b,
    } = shape;
    need(a.len(), m, k, "left matrix")?;
    need(b.len(), k, n, "right matrix")?;
    need(c_len, m, n, "output matrix")?;
    if m == 0 || n == 0 {
        return Ok(());
    }
    if k == 0 {
        let count = m
            .checked_mul(n)
            .ok_or_else(|| Error::overflow("output matrix size"))?;
        for i in 0..count {
            // SAFETY: i < m*n <= c_len (checked by `need`), and the caller
            // guarantees `c` is valid for writes of c_len elements.
            unsafe { c.add(i).write(zero) };
        }
        return Ok(());
    }
    let (lhs_rs, lhs_cs) = if transpose_a {
        (1, to_isize(m)?)
    } else {
        (to_isize(k)?, 1)
    };
    let (rhs_rs, rhs_cs) = if transpose_b {
        (1, to_isize(k)?)
    } else {
        (to_isize(n)?, 1)
    };
    let dst_rs = to_isize(n)?;
    let flops = m.saturating_mul(n).saturating_mul(k);
    let threads = pool.current_num_threads();
    let parallelism = if threads > 1 && flops >= PARALLEL_MIN_FLOPS && !SEQUENTIAL.get() {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    };
    let c = DstPtr(c);
    let product = || {
        let (dst, lhs, rhs) = (c.get(), a.as_ptr(), b.as_ptr());
        // SAFETY: `need` checked above that `a` holds m*k, `b` holds k*n and
        // `c` holds m*n elements (the caller vouches for `c`'s validity). With the strides chosen above, the largest
        // offset gemm reads in `a` is (m-1)*lhs_rs + (k-1)*lhs_cs = m*k-1
        // (both layouts), in `b` k*n-1, and the largest it writes in `c` is
        // (m-1)*n + n-1 = m*n-1, all in bounds. `c` cannot alias `a` or `b`
        // (the caller's contract). T is f32, f64 or f16 (GemmFloat), the
        // types gemm supports, so its type dispatch cannot panic.
        unsafe {
            gemm::gemm(
                m,
                n,
                k,
                dst,
                1,
                dst_rs,
                false,
                lhs,
                lhs_cs,
                lhs_rs,
                rhs,
                rhs_cs,
                rhs_rs,
                zero,
                one,
                false,
                false,
                false,
                parallelism,
            );
        }
    };
    // A product that will not be split runs on the calling thread: handing
    // it to the pool costs a cross-thread wake-up per product.
    if matches!(parallelism, gemm::Parallelism::None) {
        product();
    } else {
        pool.install(product);
    }
    Ok(())
}

/// Runs one tiny product per float type on `pool`, so the `gemm` crate's
/// one-time setup (it reads the CPU cache sizes from /sys) happens now: a
/// sandboxed worker calls this before it loses file access.
pub fn warm_up(pool: &ThreadPool) -> Result<()> {
    let shape = GemmShape {
        m: 8,
        n: 8,
        k: 8,
        transpose_a: false,
        transpose_b: false,
    };
    let mut c32 = [0f32; 64];
    gemm(pool, shape, &[1f32; 64], &[1f32; 64], &mut c32, 0.0, 1.0)?;
    let mut c64 = [0f64; 64];
    gemm(pool, shape, &[1f64; 64], &[1f64; 64], &mut c64, 0.0, 1.0)?;
    let mut c16 = [f16::ZERO; 64];
    gemm(
        pool,
        shape,
        &[f16::ONE; 64],
        &[f16::ONE; 64],
        &mut c16,
        f16::ZERO,
        f16::ONE,
    )?;
    // A product large enough to take the parallel path, on every pool thread.
    let big = GemmShape {
        m: 96,
        n: 96,
        k: 96,
        transpose_a: false,
        transpose_b: false,
    };
    let a = vec![1f32; 96 * 96];
    let mut c = vec![0f32; 96 * 96];
    gemm(pool, big, &a, &a, &mut c, 0.0, 1.0)
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
mod tests {
    use super::*;
    use crate::kernels::uninit::OutputVec;

    /// Every path of the gemm crate (gemv, gevv, small horizontal kernels,
    /// packed microkernels, several depth blocks, k = 0) overwrites the
    /// whole output without reading it: memory left full of NaNs never
    /// shows through.
    #[test]
    fn products_into_uninitialized_memory_overwrite_every_element() {
        let pools = [1, 2].map(|t| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
        });
        let shapes = [
            (1, 1, 1),
            (1, 7, 3),
            (5, 1, 9),
            (3, 3, 0),
            (4, 4, 2000),
            (17, 33, 5),
            (64, 64, 64),
            (2, 300, 1),
            (200, 96, 1300),
        ];
        for pool in &pools {
            for &(m, n, k) in &shapes {
                for (transpose_a, transpose_b) in [(false, false), (true, false), (false, true)] {
                    let a: Vec<f32> = (0..m * k).map(|i| ((i % 7) as f32) - 3.0).collect();
                    let b: Vec<f32> = (0..k * n).map(|i| ((i % 5) as f32) * 0.5).collect();
                    let mut garbage = vec![f32::NAN; m * n];
                    garbage.clear();
                    let shape = GemmShape {
                        m,
                        n,
                        k,
                        transpose_a,
                        transpose_b,
                    };
                    let out = OutputVec::new(garbage, m * n)
                        .unwrap()
                        .init_blocks(m * n, |_, c| gemm_into(pool, shape, &a, &b, c, 0.0, 1.0))
                        .unwrap();
                    for i in 0..m {
                        for j in 0..n {
                            let mut want = 0f32;
                            for p in 0..k {
                                let av = if transpose_a {
                                    a[p * m + i]
                                } else {
                                    a[i * k + p]
                                };
                                let bv = if transpose_b {
                                    b[j * k + p]
                                } else {
                                    b[p * n + j]
                                };
                                want += av * bv;
                            }
                            let got = out[i * n + j];
                            assert!(
                                (got - want).abs() <= 1e-3 * want.abs().max(1.0),
                                "{m}x{n}x{k} t=({transpose_a},{transpose_b}) [{i},{j}]: {got} vs {want}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn sequential_sections_nest_and_end() {
        assert!(!is_sequential());
        let inner = sequential(|| (is_sequential(), sequential(is_sequential)));
        assert_eq!(inner, (true, true));
        assert!(!is_sequential());
    }

    #[test]
    fn a_block_of_the_wrong_size_is_refused() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let shape = GemmShape {
            m: 2,
            n: 2,
            k: 1,
            transpose_a: false,
            transpose_b: false,
        };
        let out = OutputVec::new(Vec::<f32>::with_capacity(5), 5).unwrap();
        let r = out.init_blocks(5, |_, c| {
            gemm_into(&pool, shape, &[1.0; 2], &[1.0; 2], c, 0.0, 1.0)
        });
        assert!(r.is_err());
    }
}

//! Matrix multiply through the `gemm` crate (packing, SIMD microkernels,
//! rayon parallelism). The wrapper checks every slice length against
//! m, n, k with checked arithmetic before calling the raw-pointer API.

use rayon::ThreadPool;
use ward_tensor::{Error, Result, f16};

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
    let GemmShape {
        m,
        n,
        k,
        transpose_a,
        transpose_b,
    } = shape;
    need(a.len(), m, k, "left matrix")?;
    need(b.len(), k, n, "right matrix")?;
    need(c.len(), m, n, "output matrix")?;
    if m == 0 || n == 0 {
        return Ok(());
    }
    if k == 0 {
        c.iter_mut().for_each(|v| *v = zero);
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
    let mut product = || {
        let (dst, lhs, rhs) = (c.as_mut_ptr(), a.as_ptr(), b.as_ptr());
        // SAFETY: `need` checked above that `a` holds m*k, `b` holds k*n and
        // `c` holds m*n elements. With the strides chosen above, the largest
        // offset gemm reads in `a` is (m-1)*lhs_rs + (k-1)*lhs_cs = m*k-1
        // (both layouts), in `b` k*n-1, and the largest it writes in `c` is
        // (m-1)*n + n-1 = m*n-1, all in bounds. `c` is borrowed mutably and
        // cannot alias `a` or `b`. T is f32, f64 or f16 (GemmFloat), the
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

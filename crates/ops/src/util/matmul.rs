//! Matrix products for every dtype: the SIMD GEMM for f32/f64/f16, f32
//! accumulation for bf16, and a blocked loop for integers.

use crate::kernels::gemm::{GemmShape, gemm, gemm_into};
use crate::kernels::sgemm;
use crate::kernels::uninit::{Uninit, Written};
use rayon::ThreadPool;
use ward_tensor::{Budget, DType, Element, Error, Result, Shape, Tensor, bf16, f16};

/// Numbers a matrix product can be computed on.
pub trait MatMulElement: Element {
    /// Writes `op(a) · op(b)` into `c` (length m*n).
    fn matmul(
        pool: &ThreadPool,
        budget: &Budget,
        shape: GemmShape,
        a: &[Self],
        b: &[Self],
        c: &mut [Self],
    ) -> Result<()>;

    /// [`MatMulElement::matmul`] into an output block never initialized
    /// (exactly m·n elements). The SIMD types write it directly; the others
    /// zero it first.
    fn matmul_into<'a>(
        pool: &ThreadPool,
        budget: &Budget,
        shape: GemmShape,
        a: &[Self],
        b: &[Self],
        c: Uninit<'a, Self>,
    ) -> Result<Written<'a, Self>> {
        let mut written = c.fill(Self::default());
        Self::matmul(pool, budget, shape, a, b, written.values())?;
        Ok(written)
    }

    /// Whether [`MatMulElement::fused_product_into`] can run (f32 on a
    /// CPU with AVX-512).
    fn has_fused_product() -> bool {
        false
    }

    /// `a · b` (both untransposed) plus `bias`, clamped, written straight
    /// into `c` by the fused f32 kernel; `c` is handed back untouched when
    /// this type has no such kernel.
    fn fused_product_into<'a>(
        _pool: &ThreadPool,
        _budget: &Budget,
        _product: &FusedProduct<'_, Self>,
        c: Uninit<'a, Self>,
    ) -> std::result::Result<Result<Written<'a, Self>>, Uninit<'a, Self>> {
        Err(c)
    }
}

/// A bias and clamp bounds `(lo, hi)` for the fused product.
pub type BiasClamp<'a, T> = (Option<&'a [T]>, (f32, f32));

/// A product with its epilogue: `C[m×n] = A[m×k] · B[k×n] + bias`, then
/// `min(hi, max(lo, ·))`.
#[derive(Debug, Clone, Copy)]
pub struct FusedProduct<'a, T> {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub a: &'a [T],
    pub b: &'a [T],
    pub bias: Option<&'a [T]>,
    pub lo: f32,
    pub hi: f32,
    /// `b` packed at load ([`PackedWeights`]), read instead of `b`.
    pub prepacked: Option<&'a [T]>,
    /// `a` read through tables instead of densely (see [`sgemm::Indexed`]).
    pub a_index: Option<sgemm::Indexed<'a>>,
}

/// The types the SIMD GEMM computes natively, with their 0 and 1.
macro_rules! gemm_matmul {
    ($($t:ty: $zero:expr, $one:expr $(, { $($fused:item)* })?);* $(;)?) => {$(
        impl MatMulElement for $t {
            $($($fused)*)?
            fn matmul(
                pool: &ThreadPool,
                _: &Budget,
                shape: GemmShape,
                a: &[Self],
                b: &[Self],
                c: &mut [Self],
            ) -> Result<()> {
                gemm(pool, shape, a, b, c, $zero, $one)
            }
            fn matmul_into<'a>(
                pool: &ThreadPool,
                _: &Budget,
                shape: GemmShape,
                a: &[Self],
                b: &[Self],
                c: Uninit<'a, Self>,
            ) -> Result<Written<'a, Self>> {
                gemm_into(pool, shape, a, b, c, $zero, $one)
            }
        }
    )*};
}
gemm_matmul! {
    f32: 0.0, 1.0, {
        fn has_fused_product() -> bool {
            sgemm::available()
        }
        fn fused_product_into<'a>(
            pool: &ThreadPool,
            budget: &Budget,
            p: &FusedProduct<'_, Self>,
            c: Uninit<'a, Self>,
        ) -> std::result::Result<Result<Written<'a, Self>>, Uninit<'a, Self>> {
            if !sgemm::available() {
                return Err(c);
            }
            let product = sgemm_product(p);
            Ok(
                packed_scratch(budget, &product).and_then(|(mut packed, _lease)| {
                    sgemm::product_into(pool, &product, packed.as_deref_mut(), c)
                }),
            )
        }
    };
    f64: 0.0, 1.0;
    f16: f16::ZERO, f16::ONE;
}

/// Zeroed room for the product's packed weights, charged to the budget,
/// when the kernel packs them.
fn packed_scratch(
    budget: &Budget,
    product: &sgemm::Product<'_>,
) -> Result<(Option<Vec<f32>>, Option<ward_tensor::Lease>)> {
    match sgemm::packed_len(product) {
        Some(len) => {
            let (values, lease) = budget.alloc_vec::<f32>(len, 0.0, "packed weights")?;
            Ok((Some(values), Some(lease)))
        }
        None => Ok((None, None)),
    }
}

fn sgemm_product<'a>(p: &FusedProduct<'a, f32>) -> sgemm::Product<'a> {
    sgemm::Product {
        m: p.m,
        n: p.n,
        k: p.k,
        a: p.a,
        b: p.b,
        bias: p.bias,
        lo: p.lo,
        hi: p.hi,
        prepacked: p.prepacked,
        a_index: p.a_index,
    }
}

/// Constant f32 weights packed once at load for the fused product, with
/// the tensor they were packed from. A run reads them only when its
/// weights are that very buffer viewed as the same matrix; holding the
/// tensor keeps its buffer shared, so it is never changed in place.
#[derive(Debug)]
pub struct PackedWeights {
    source: Tensor,
    k: usize,
    n: usize,
    packed: Tensor,
}

impl PackedWeights {
    /// `weights` viewed as a `k × n` matrix, packed when they are f32,
    /// this CPU runs the fused product, packing pays for their size, and
    /// the copy fits in `room` bytes (then taken from it).
    pub fn new(weights: &Tensor, k: usize, n: usize, room: &mut usize) -> Option<PackedWeights> {
        if weights.dtype() != DType::F32
            || k.checked_mul(n) != Some(weights.len())
            || !sgemm::packing_pays(k, n)
        {
            return None;
        }
        let len = sgemm::packed_size(k, n)?;
        let left = room.checked_sub(len.checked_mul(std::mem::size_of::<f32>())?)?;
        let mut values = Vec::new();
        values.try_reserve_exact(len).ok()?;
        values.resize(len, 0f32);
        sgemm::pack(k, n, weights.as_slice::<f32>().ok()?, &mut values).ok()?;
        let packed = Tensor::from_vec(Shape::vector(len), values, None).ok()?;
        *room = left;
        Some(PackedWeights {
            source: weights.clone(),
            k,
            n,
            packed,
        })
    }

    /// The packed values, when `weights` viewed as `k × n` are the ones
    /// they were packed from.
    pub fn for_weights<T: Element>(&self, weights: &Tensor, k: usize, n: usize) -> Option<&[T]> {
        if !weights.shares_buffer(&self.source) || (k, n) != (self.k, self.n) {
            return None;
        }
        self.packed.as_slice::<T>().ok()
    }
}

impl MatMulElement for bf16 {
    fn matmul(
        pool: &ThreadPool,
        budget: &Budget,
        shape: GemmShape,
        a: &[Self],
        b: &[Self],
        c: &mut [Self],
    ) -> Result<()> {
        // bf16 products accumulate in f32, as TF's CPU kernel does.
        let widen = |v: &[bf16]| -> Result<(Vec<f32>, ward_tensor::Lease)> {
            let (mut out, lease) = budget.alloc_empty::<f32>(v.len(), "bf16 matmul operand")?;
            out.extend(v.iter().map(|x| x.to_f32()));
            Ok((out, lease))
        };
        let (a32, _la) = widen(a)?;
        let (b32, _lb) = widen(b)?;
        let (mut c32, _lc) = budget.alloc_vec::<f32>(c.len(), 0.0, "bf16 matmul result")?;
        gemm(pool, shape, &a32, &b32, &mut c32, 0.0, 1.0)?;
        for (dst, src) in c.iter_mut().zip(&c32) {
            *dst = bf16::from_f32(*src);
        }
        Ok(())
    }
}

macro_rules! int_matmul {
    ($($t:ty),*) => {$(
        impl MatMulElement for $t {
            fn matmul(_: &ThreadPool, _: &Budget, shape: GemmShape, a: &[Self], b: &[Self], c: &mut [Self]) -> Result<()> {
                int_gemm(shape, a, b, c)
            }
        }
    )*};
}
int_matmul!(i8, i16, i32, i64, u8, u16, u32, u64);

/// Integer product with wrapping arithmetic (TF's integer MatMul wraps).
fn int_gemm<T>(shape: GemmShape, a: &[T], b: &[T], c: &mut [T]) -> Result<()>
where
    T: Element + num_like::WrappingMulAdd,
{
    let GemmShape {
        m,
        n,
        k,
        transpose_a,
        transpose_b,
    } = shape;
    let bad = || Error::internal("matrix operand shorter than its shape");
    for i in 0..m {
        for j in 0..n {
            let mut acc = T::default();
            for p in 0..k {
                let ai = if transpose_a {
                    p.wrapping_mul(m).wrapping_add(i)
                } else {
                    i.wrapping_mul(k).wrapping_add(p)
                };
                let bi = if transpose_b {
                    j.wrapping_mul(k).wrapping_add(p)
                } else {
                    p.wrapping_mul(n).wrapping_add(j)
                };
                acc =
                    acc.wrapping_mul_add(*a.get(ai).ok_or_else(bad)?, *b.get(bi).ok_or_else(bad)?);
            }
            *c.get_mut(i.wrapping_mul(n).wrapping_add(j))
                .ok_or_else(bad)? = acc;
        }
    }
    Ok(())
}

mod num_like {
    pub trait WrappingMulAdd: Sized {
        fn wrapping_mul_add(self, a: Self, b: Self) -> Self;
    }
    macro_rules! imp {
        ($($t:ty),*) => {$(
            impl WrappingMulAdd for $t {
                fn wrapping_mul_add(self, a: Self, b: Self) -> Self {
                    self.wrapping_add(a.wrapping_mul(b))
                }
            }
        )*};
    }
    imp!(i8, i16, i32, i64, u8, u16, u32, u64);
}

//! Batched matrix products over the last two dims, with optional adjoint
//! (transpose) of either operand and NumPy broadcasting of the batch dims
//! (BatchMatMulV2/V3, Einsum) or equal batch dims (BatchMatMul). Each batch
//! element is one GEMM call.

use crate::kernel::EvalCtx;
use crate::kernels::gemm::GemmShape;
use crate::kernels::uninit::{OutputVec, Uninit, block_writer};
use crate::util::broadcast::{aligned_strides, for_each_broadcast};
use crate::util::matmul::{FusedProduct, MatMulElement};
use ward_graph::PartialShape;
use ward_tensor::{Error, Result, Shape, Tensor, broadcast_shapes, checked_product};

/// How the batch dims of the two operands combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchMatMulAttrs {
    pub adj_x: bool,
    pub adj_y: bool,
    /// NumPy broadcasting of batch dims (V2/V3); otherwise they must match.
    pub broadcast: bool,
}

/// Products smaller than this run whole on one thread (the GEMM itself
/// only splits work from 2^18 flops).
const SMALL_GEMM_FLOPS: usize = 1 << 18;

fn rank_error(rank: usize) -> Error {
    Error::invalid_argument(format!("Shape must be at least rank 2 but is rank {rank}"))
}

fn inner_error(a: usize, b: usize) -> Error {
    Error::invalid_argument(format!("Dimensions must be equal, but are {a} and {b}"))
}

/// (batch dims, rows, cols) of an operand.
fn split<T: Copy>(dims: &[T]) -> Result<(&[T], T, T)> {
    match dims {
        [batch @ .., r, c] => Ok((batch, *r, *c)),
        _ => Err(rank_error(dims.len())),
    }
}

impl BatchMatMulAttrs {
    /// The output shape from partially known input shapes.
    pub fn infer(&self, a: &PartialShape, b: &PartialShape) -> Result<PartialShape> {
        let (Some(ad), Some(bd)) = (a.dims(), b.dims()) else {
            for d in [a.dims(), b.dims()].into_iter().flatten() {
                if d.len() < 2 {
                    return Err(rank_error(d.len()));
                }
            }
            return Ok(PartialShape::unknown());
        };
        let (ab, ar, ac) = split(ad)?;
        let (bb, br, bc) = split(bd)?;
        let (m, ka) = if self.adj_x { (ac, ar) } else { (ar, ac) };
        let (kb, n) = if self.adj_y { (bc, br) } else { (br, bc) };
        if let (Some(x), Some(y)) = (ka, kb)
            && x != y
        {
            return Err(inner_error(x, y));
        }
        let mut batch = if self.broadcast {
            crate::util::infer::broadcast_partial(
                &PartialShape(Some(ab.to_vec())),
                &PartialShape(Some(bb.to_vec())),
            )?
            .0
            .unwrap_or_default()
        } else {
            crate::util::infer::merge_partial(
                &PartialShape(Some(ab.to_vec())),
                &PartialShape(Some(bb.to_vec())),
            )?
            .0
            .unwrap_or_default()
        };
        batch.push(m);
        batch.push(n);
        Ok(PartialShape(Some(batch)))
    }

    /// `op(a) · op(b)` per batch element.
    pub fn eval<T: MatMulElement>(
        &self,
        ctx: &EvalCtx<'_>,
        a: &Tensor,
        b: &Tensor,
    ) -> Result<Tensor> {
        let overflow = || Error::overflow("batch matmul size");
        let (ab, ar, ac) = split(a.dims())?;
        let (bb, br, bc) = split(b.dims())?;
        let (m, k) = if self.adj_x { (ac, ar) } else { (ar, ac) };
        let (kb, n) = if self.adj_y { (bc, br) } else { (br, bc) };
        if k != kb {
            return Err(inner_error(k, kb));
        }
        let batch = if self.broadcast {
            broadcast_shapes(ab, bb)?.into_dims()
        } else {
            if ab != bb {
                return Err(Error::invalid_argument(format!(
                    "batch dimensions must be equal, but are {ab:?} and {bb:?}"
                )));
            }
            ab.to_vec()
        };
        let mut out_dims = batch.clone();
        out_dims.push(m);
        out_dims.push(n);
        let shape = Shape::new(out_dims)?;
        let len = shape.num_elements()?;
        // Every block is written by its product: no zero-fill first.
        let (out, lease) = ctx.budget.alloc_empty::<T>(len, "BatchMatMul output")?;
        let (a_len, b_len, c_len) = (
            m.checked_mul(k).ok_or_else(overflow)?,
            k.checked_mul(n).ok_or_else(overflow)?,
            m.checked_mul(n).ok_or_else(overflow)?,
        );
        checked_product(&batch)?;
        if len == 0 {
            return Tensor::from_vec(shape, out, Some(lease));
        }
        let av = a.as_slice::<T>()?;
        let bv = b.as_slice::<T>()?;
        let gemm_shape = GemmShape {
            m,
            n,
            k,
            transpose_a: self.adj_x,
            transpose_b: self.adj_y,
        };
        let strides = [aligned_strides(ab, &batch), aligned_strides(bb, &batch)];
        let count = checked_product(&batch)?;
        // The operands' offsets for each output block, in order.
        let (mut pairs, _pairs_lease) = ctx
            .budget
            .alloc_empty::<(usize, usize)>(count, "batch matmul pairs")?;
        for_each_broadcast(&batch, &strides, |[ai, bi]| pairs.push((ai, bi)));
        let one = block_writer(|i, c: Uninit<'_, T>| {
            ctx.budget.check()?;
            let &(ai, bi) = pairs
                .get(i)
                .ok_or_else(|| Error::internal("batch matmul output out of range"))?;
            let a0 = ai.checked_mul(a_len).ok_or_else(overflow)?;
            let b0 = bi.checked_mul(b_len).ok_or_else(overflow)?;
            let am = av.get(a0..).and_then(|s| s.get(..a_len));
            let bm = bv.get(b0..).and_then(|s| s.get(..b_len));
            let (Some(am), Some(bm)) = (am, bm) else {
                return Err(Error::internal("batch matmul operand out of range"));
            };
            if k == 0 {
                return Ok(c.fill(T::default()));
            }
            let c = if !self.adj_x && !self.adj_y {
                let unbounded = FusedProduct {
                    m,
                    n,
                    k,
                    a: am,
                    b: bm,
                    bias: None,
                    lo: f32::NEG_INFINITY,
                    hi: f32::INFINITY,
                    prepacked: None,
                    a_index: None,
                };
                match T::fused_product_into(ctx.pool, ctx.budget, &unbounded, c) {
                    Ok(written) => return written,
                    Err(c) => c,
                }
            } else {
                c
            };
            T::matmul_into(ctx.pool, ctx.budget, gemm_shape, am, bm, c)
        });
        let out = OutputVec::new(out, len)?;
        let flops = m.saturating_mul(n).saturating_mul(k);
        let out = if ctx.threads() > 1 && count > 1 && flops < SMALL_GEMM_FLOPS {
            // Many small products: one per pool thread at a time (each too
            // small for the GEMM to split) instead of one after another.
            ctx.pool.install(|| out.par_init_blocks(c_len, one))?
        } else if ctx.threads() > 1 {
            // Inside the pool, each GEMM's own `install` runs inline rather
            // than paying a cross-thread hand-off per batch element.
            ctx.pool.install(|| out.init_blocks(c_len, &one))?
        } else {
            out.init_blocks(c_len, &one)?
        };
        Tensor::from_vec(shape, out, Some(lease))
    }
}

/// Runs `$body` with `$t` bound to the Rust type of a dtype batched
/// matmul supports (float, int16/32/64), or returns InvalidArgument.
#[macro_export]
macro_rules! with_matmul_type {
    ($dtype:expr, $t:ident => $body:expr) => {{
        use ward_tensor::{DType, bf16, f16};
        match $dtype {
            DType::F16 => {
                type $t = f16;
                $body
            }
            DType::BF16 => {
                type $t = bf16;
                $body
            }
            DType::F32 => {
                type $t = f32;
                $body
            }
            DType::F64 => {
                type $t = f64;
                $body
            }
            DType::I16 => {
                type $t = i16;
                $body
            }
            DType::I32 => {
                type $t = i32;
                $body
            }
            DType::I64 => {
                type $t = i64;
                $body
            }
            other => Err(ward_tensor::Error::invalid_argument(format!(
                "dtype {other} is not supported by batched matmul"
            ))),
        }
    }};
}

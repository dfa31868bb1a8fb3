//! MatMul: `op(a) · op(b)` for rank-2 tensors, op = optional transpose.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/MatMul>

use crate::kernels::gemm::GemmShape;
use crate::kernels::uninit::OutputVec;
use crate::prelude::*;
use crate::util::matmul::{BiasClamp, FusedProduct, MatMulElement, PackedWeights};
use ward_tensor::DType::{BF16, F16, F32, F64, I32, I64};

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "MatMul",
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", &[BF16, F16, F32, F64, I32, I64])],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
pub(crate) struct MatMul {
    transpose_a: bool,
    transpose_b: bool,
    /// A constant right operand packed at load for the fused product.
    packed: Option<PackedWeights>,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(MatMul::new(node)?))
}

impl MatMul {
    pub(crate) fn new(node: &Node) -> Result<MatMul> {
        Ok(MatMul {
            transpose_a: node.attrs.bool_or("transpose_a", false)?,
            transpose_b: node.attrs.bool_or("transpose_b", false)?,
            packed: None,
        })
    }

    /// Packs a constant, untransposed right operand for the fused product.
    pub(crate) fn prepare_weights(&mut self, b: Option<&Tensor>, room: &mut usize) {
        if self.transpose_a || self.transpose_b {
            return;
        }
        if let Some(b) = b
            && let &[k, n] = b.dims()
        {
            self.packed = PackedWeights::new(b, k, n, room);
        }
    }

    /// (m, k) of op(a) and (k, n) of op(b) from their dims.
    fn dims(
        &self,
        a: &[Option<usize>],
        b: &[Option<usize>],
    ) -> Result<(Option<usize>, Option<usize>, Option<usize>)> {
        let ([a0, a1], [b0, b1]) = (a, b) else {
            return Err(Error::invalid_argument(format!(
                "MatMul inputs must be rank 2, got ranks {} and {}",
                a.len(),
                b.len()
            )));
        };
        let (m, ka) = if self.transpose_a {
            (*a1, *a0)
        } else {
            (*a0, *a1)
        };
        let (kb, n) = if self.transpose_b {
            (*b1, *b0)
        } else {
            (*b0, *b1)
        };
        if let (Some(ka), Some(kb)) = (ka, kb)
            && ka != kb
        {
            return Err(Error::invalid_argument(format!(
                "Matrix size-incompatible: In[0] inner dimension {ka} != In[1] inner dimension {kb}"
            )));
        }
        Ok((m, ka.or(kb), n))
    }
}

impl Kernel for MatMul {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        self.infer_output(inputs)
    }

    fn prepare(&mut self, constants: &[Option<&Tensor>], room: &mut usize) {
        self.prepare_weights(constants.get(1).copied().flatten(), room);
    }

    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [a, b] = take(inputs)?;
        match a.dtype() {
            DType::F32 => one(self.compute::<f32>(ctx, &a, &b)?),
            DType::F64 => one(self.compute::<f64>(ctx, &a, &b)?),
            DType::F16 => one(self.compute::<f16>(ctx, &a, &b)?),
            DType::BF16 => one(self.compute::<bf16>(ctx, &a, &b)?),
            DType::I32 => one(self.compute::<i32>(ctx, &a, &b)?),
            DType::I64 => one(self.compute::<i64>(ctx, &a, &b)?),
            other => Err(Error::invalid_argument(format!(
                "MatMul does not support {other}"
            ))),
        }
    }
}

impl MatMul {
    pub(crate) fn infer_output(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        let (Some(a), Some(b)) = (inputs.first(), inputs.get(1)) else {
            return Err(Error::invalid_argument("expected 2 inputs"));
        };
        let dtype = a.dtype.or(b.dtype);
        let (Some(ad), Some(bd)) = (a.shape.dims(), b.shape.dims()) else {
            return Ok(vec![ValueInfo::of_opt(
                dtype,
                PartialShape(Some(vec![None, None])),
            )]);
        };
        let (m, _, n) = self.dims(ad, bd)?;
        Ok(vec![ValueInfo::of_opt(
            dtype,
            PartialShape(Some(vec![m, n])),
        )])
    }

    /// The product's column count for a right operand of `dims`, if it is
    /// a matrix.
    pub(crate) fn columns(&self, dims: &[usize]) -> Option<usize> {
        match (dims, self.transpose_b) {
            ([_, n], false) | ([n, _], true) => Some(*n),
            _ => None,
        }
    }

    /// `op(a) · op(b)` as a `[m, n]` tensor.
    pub(crate) fn compute<T: MatMulElement>(
        &self,
        ctx: &EvalCtx<'_>,
        a: &Tensor,
        b: &Tensor,
    ) -> Result<Tensor> {
        Ok(self.compute_with::<T>(ctx, a, b, None)?.0)
    }

    /// [`MatMul::compute`], with `bias` added and the result clamped to
    /// `(lo, hi)` by the fused kernel when it runs; the flag says whether
    /// it did (else the caller applies its epilogue).
    pub(crate) fn compute_with<T: MatMulElement>(
        &self,
        ctx: &EvalCtx<'_>,
        a: &Tensor,
        b: &Tensor,
        epilogue: Option<BiasClamp<'_, T>>,
    ) -> Result<(Tensor, bool)> {
        if a.dtype() != b.dtype() {
            return Err(Error::invalid_argument(format!(
                "MatMul inputs have different types: {} and {}",
                a.dtype(),
                b.dtype()
            )));
        }
        let known = |t: &Tensor| t.dims().iter().map(|&d| Some(d)).collect::<Vec<_>>();
        let (m, k, n) = self.dims(&known(a), &known(b))?;
        let (Some(m), Some(k), Some(n)) = (m, k, n) else {
            return Err(Error::internal("MatMul dims unresolved"));
        };
        let shape = GemmShape {
            m,
            n,
            k,
            transpose_a: self.transpose_a,
            transpose_b: self.transpose_b,
        };
        let out_shape = Shape::new(vec![m, n])?;
        let len = out_shape.num_elements()?;
        let prepacked = self
            .packed
            .as_ref()
            .and_then(|p| p.for_weights::<T>(b, k, n));
        let (a, b) = (a.as_slice()?, b.as_slice()?);
        // The product writes the whole output: no zero-fill first.
        let (out, lease) = ctx.budget.alloc_empty::<T>(len, "MatMul output")?;
        let untransposed = !self.transpose_a && !self.transpose_b;
        let (bias, (lo, hi)) = epilogue.unwrap_or((None, (f32::NEG_INFINITY, f32::INFINITY)));
        let fused = FusedProduct {
            m,
            n,
            k,
            a,
            b,
            bias,
            lo,
            hi,
            prepacked,
            a_index: None,
        };
        let mut done = false;
        let out = OutputVec::new(out, len)?.init_blocks(len, |_, c| {
            let c = if untransposed {
                match T::fused_product_into(ctx.pool, ctx.budget, &fused, c) {
                    Ok(written) => {
                        done = true;
                        return written;
                    }
                    Err(c) => c,
                }
            } else {
                c
            };
            T::matmul_into(ctx.pool, ctx.budget, shape, a, b, c)
        })?;
        // Without an epilogue asked for, none was applied.
        let applied = done && epilogue.is_some();
        Ok((Tensor::from_vec(out_shape, out, Some(lease))?, applied))
    }
}

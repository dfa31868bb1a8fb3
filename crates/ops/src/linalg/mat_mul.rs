//! MatMul: `op(a) · op(b)` for rank-2 tensors, op = optional transpose.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/MatMul>

use crate::kernels::gemm::GemmShape;
use crate::prelude::*;
use crate::util::matmul::MatMulElement;
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
struct MatMul {
    transpose_a: bool,
    transpose_b: bool,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(MatMul {
        transpose_a: node.attrs.bool_or("transpose_a", false)?,
        transpose_b: node.attrs.bool_or("transpose_b", false)?,
    }))
}

impl MatMul {
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

    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [a, b] = take(inputs)?;
        if a.dtype() != b.dtype() {
            return Err(Error::invalid_argument(format!(
                "MatMul inputs have different types: {} and {}",
                a.dtype(),
                b.dtype()
            )));
        }
        let known = |t: &Tensor| t.dims().iter().map(|&d| Some(d)).collect::<Vec<_>>();
        let (m, k, n) = self.dims(&known(&a), &known(&b))?;
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
        fn run<T: MatMulElement>(
            ctx: &EvalCtx<'_>,
            shape: GemmShape,
            out_shape: Shape,
            a: &Tensor,
            b: &Tensor,
        ) -> Result<Vec<Tensor>> {
            let len = out_shape.num_elements()?;
            let (mut out, lease) = ctx
                .budget
                .alloc_vec::<T>(len, T::default(), "MatMul output")?;
            T::matmul(
                ctx.pool,
                ctx.budget,
                shape,
                a.as_slice()?,
                b.as_slice()?,
                &mut out,
            )?;
            one(Tensor::from_vec(out_shape, out, Some(lease))?)
        }
        match a.dtype() {
            DType::F32 => run::<f32>(ctx, shape, out_shape, &a, &b),
            DType::F64 => run::<f64>(ctx, shape, out_shape, &a, &b),
            DType::F16 => run::<f16>(ctx, shape, out_shape, &a, &b),
            DType::BF16 => run::<bf16>(ctx, shape, out_shape, &a, &b),
            DType::I32 => run::<i32>(ctx, shape, out_shape, &a, &b),
            DType::I64 => run::<i64>(ctx, shape, out_shape, &a, &b),
            other => Err(Error::invalid_argument(format!(
                "MatMul does not support {other}"
            ))),
        }
    }
}

//! BatchMatMulV3: BatchMatMulV2 with operand types `Ta`, `Tb` and output
//! type `Tout`; operands convert to `Tout` before the product. Only the type
//! combinations TF registers CPU kernels for are accepted: all three equal,
//! 8-bit integers to int32, and 8-bit integers with bfloat16 to bfloat16.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/BatchMatMulV3>

use crate::prelude::*;
use crate::util::batch_matmul::BatchMatMulAttrs;
use crate::util::matmul::MatMulElement;
use ward_tensor::DType::{BF16, F16, F32, F64, I8, I16, I32, I64, U8};

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "BatchMatMulV3",
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(1),
        types: &[
            type_attr("Ta", &[BF16, F16, F32, F64, U8, I8, I16, I32, I64]),
            type_attr("Tb", &[BF16, F16, F32, F64, U8, I8, I16, I32, I64]),
            type_attr("Tout", &[BF16, F16, F32, F64, I16, I32, I64]),
        ],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct BatchMatMulV3 {
    attrs: BatchMatMulAttrs,
    ta: DType,
    tb: DType,
    tout: DType,
}

/// Whether TF has a CPU kernel for (Ta, Tb, Tout).
fn supported(ta: DType, tb: DType, tout: DType) -> bool {
    let int8 = |t: DType| matches!(t, U8 | I8);
    (ta == tb && tb == tout && !int8(ta))
        || (int8(ta) && int8(tb) && tout == I32)
        || (tout == BF16 && ((int8(ta) && tb == BF16) || (ta == BF16 && int8(tb))))
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    let ta = node.attrs.dtype("Ta")?;
    let tb = node.attrs.dtype("Tb")?;
    let tout = node.attrs.dtype("Tout")?;
    if !supported(ta, tb, tout) {
        return Err(Error::invalid_argument(format!(
            "BatchMatMulV3 has no CPU kernel for Ta={ta}, Tb={tb}, Tout={tout}"
        )));
    }
    Ok(Box::new(BatchMatMulV3 {
        attrs: BatchMatMulAttrs {
            adj_x: node.attrs.bool_or("adj_x", false)?,
            adj_y: node.attrs.bool_or("adj_y", false)?,
            broadcast: true,
        },
        ta,
        tb,
        tout,
    }))
}

/// `t` converted to `U` (exact for the combinations [`supported`] allows).
fn convert<U: MatMulElement + Num>(ctx: &EvalCtx<'_>, t: Tensor) -> Result<Tensor> {
    if t.dtype() == U::DTYPE {
        return Ok(t);
    }
    fn go<S: Num, U: Num>(ctx: &EvalCtx<'_>, t: &Tensor) -> Result<Tensor> {
        crate::util::elementwise::unary::<S, U>(ctx, t, |v| U::from_f64(v.to_f64()))
    }
    match t.dtype() {
        DType::U8 => go::<u8, U>(ctx, &t),
        DType::I8 => go::<i8, U>(ctx, &t),
        other => Err(Error::invalid_argument(format!(
            "BatchMatMulV3 cannot convert {other} to {}",
            U::DTYPE
        ))),
    }
}

impl Kernel for BatchMatMulV3 {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        let (Some(a), Some(b)) = (inputs.first(), inputs.get(1)) else {
            return Err(Error::invalid_argument("expected 2 inputs"));
        };
        Ok(vec![ValueInfo::of(
            TypeAttr::Data(self.tout),
            self.attrs.infer(&a.shape, &b.shape)?,
        )])
    }

    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [a, b] = take(inputs)?;
        if a.dtype() != self.ta || b.dtype() != self.tb {
            return Err(Error::invalid_argument(format!(
                "BatchMatMulV3 inputs are {} and {}, but Ta={} and Tb={}",
                a.dtype(),
                b.dtype(),
                self.ta,
                self.tb
            )));
        }
        crate::with_matmul_type!(self.tout, T => {
            let a = convert::<T>(ctx, a)?;
            let b = convert::<T>(ctx, b)?;
            one(self.attrs.eval::<T>(ctx, &a, &b)?)
        })
    }
}

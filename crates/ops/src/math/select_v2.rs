//! SelectV2: `condition ? t : e` elementwise, all three broadcast together
//! (NumPy rules); `condition` is bool.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/SelectV2>

use crate::prelude::*;
use crate::util::broadcast::{aligned_strides, for_each_broadcast};
use crate::util::dtypes::NUMERIC_BOOL;
use crate::util::infer::broadcast_partial;
use crate::util::simple::check_input;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "SelectV2",
        inputs: Arity::Exact(3),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", NUMERIC_BOOL)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct SelectV2 {
    dtype: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(SelectV2 {
        dtype: node.attrs.dtype("T")?,
    }))
}

impl Kernel for SelectV2 {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        let (Some(c), Some(t), Some(e)) = (inputs.first(), inputs.get(1), inputs.get(2)) else {
            return Err(Error::invalid_argument("expected 3 inputs"));
        };
        check_input(inputs, 0, Some(DType::Bool))?;
        check_input(inputs, 1, Some(self.dtype))?;
        check_input(inputs, 2, Some(self.dtype))?;
        let shape = broadcast_partial(&broadcast_partial(&c.shape, &t.shape)?, &e.shape)?;
        Ok(vec![ValueInfo::of(TypeAttr::Data(self.dtype), shape)])
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [c, t, e] = take(inputs)?;
        one(select(ctx, &c, &t, &e)?)
    }
}

/// `c ? t : e` with the three operands broadcast together.
pub fn select(ctx: &EvalCtx<'_>, c: &Tensor, t: &Tensor, e: &Tensor) -> Result<Tensor> {
    if c.dtype() != DType::Bool {
        return Err(
            Error::invalid_argument(format!("condition must be bool, got {}", c.dtype()))
                .at_input(0),
        );
    }
    if t.dtype() != e.dtype() {
        return Err(Error::invalid_argument(format!(
            "t and e have different types: {} and {}",
            t.dtype(),
            e.dtype()
        )));
    }
    if t.dtype() == DType::Bool {
        return select_typed::<bool>(ctx, c, t, e);
    }
    with_numeric!(t.dtype(), T => select_typed::<T>(ctx, c, t, e))
}

fn select_typed<T: Element>(
    ctx: &EvalCtx<'_>,
    c: &Tensor,
    t: &Tensor,
    e: &Tensor,
) -> Result<Tensor> {
    let ct = ward_tensor::broadcast_shapes(c.dims(), t.dims())?;
    let shape = ward_tensor::broadcast_shapes(ct.dims(), e.dims())?;
    let out = shape.dims();
    let strides = [
        aligned_strides(c.dims(), out),
        aligned_strides(t.dims(), out),
        aligned_strides(e.dims(), out),
    ];
    let (cv, tv, ev) = (
        c.as_slice::<bool>()?,
        t.as_slice::<T>()?,
        e.as_slice::<T>()?,
    );
    let n = shape.num_elements()?;
    let (mut values, lease) = ctx.budget.alloc_empty::<T>(n, "Select output")?;
    let mut bad = false;
    for_each_broadcast(out, &strides, |[ci, ti, ei]| {
        match (cv.get(ci), tv.get(ti), ev.get(ei)) {
            (Some(&pick), Some(&x), Some(&y)) => values.push(if pick { x } else { y }),
            _ => bad = true,
        }
    });
    if bad || values.len() != n {
        return Err(Error::internal("select index out of range"));
    }
    Tensor::from_vec(shape, values, Some(lease))
}

//! Select: `condition ? t : e` elementwise, without broadcasting: `t` and
//! `e` have the same shape; `condition` is a scalar, has that shape too, or
//! is a vector choosing whole rows along the first dim.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Select>

use crate::math::select_v2::select;
use crate::prelude::*;
use crate::util::dtypes::NUMERIC_BOOL;
use crate::util::infer::merge_partial;
use crate::util::simple::check_input;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Select",
        inputs: Arity::Exact(3),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", NUMERIC_BOOL)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Select {
    dtype: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Select {
        dtype: node.attrs.dtype("T")?,
    }))
}

impl Kernel for Select {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        let (Some(c), Some(t), Some(e)) = (inputs.first(), inputs.get(1), inputs.get(2)) else {
            return Err(Error::invalid_argument("expected 3 inputs"));
        };
        check_input(inputs, 0, Some(DType::Bool))?;
        check_input(inputs, 1, Some(self.dtype))?;
        check_input(inputs, 2, Some(self.dtype))?;
        // TF's shape function, case by case.
        let data = merge_partial(&t.shape, &e.shape)?;
        match (c.shape.rank(), data.rank()) {
            (Some(0), _) | (None, _) | (_, None) => {}
            (Some(1), Some(r)) if r > 0 => {
                let first = data.dims().and_then(|d| d.first().copied().flatten());
                merge_partial(&c.shape, &PartialShape(Some(vec![first])))?;
            }
            _ => {
                merge_partial(&data, &c.shape)?;
            }
        }
        Ok(vec![ValueInfo::of(TypeAttr::Data(self.dtype), data)])
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [c, t, e] = take(inputs)?;
        if t.dims() != e.dims() {
            return Err(Error::invalid_argument(format!(
                "'then' and 'else' must have the same size, but received: {} vs. {}",
                t.shape(),
                e.shape()
            )));
        }
        let c = if c.rank() == 0 || c.dims() == t.dims() {
            c
        } else if c.rank() == 1 && t.rank() > 1 && t.dims().first() == c.dims().first() {
            // One flag per row: shape it [n, 1, 1, ...] to broadcast.
            let mut dims = vec![1usize; t.rank()];
            if let Some(d) = dims.first_mut() {
                *d = c.len();
            }
            c.reshaped(Shape::new(dims)?)?
        } else {
            return Err(Error::invalid_argument(format!(
                "condition must be a scalar, a vector matching the first dimension of 'then', \
                 or the shape of 'then': {} vs. {}",
                c.shape(),
                t.shape()
            )));
        };
        one(select(ctx, &c, &t, &e)?)
    }
}

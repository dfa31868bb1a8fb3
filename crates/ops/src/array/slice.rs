//! Slice: the block of `size` elements starting at `begin` (size -1: to
//! the end of that dim). Out-of-range requests are errors (no clamping).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Slice>

use crate::prelude::*;
use crate::util::layout::{ELEMENTS, const_ints, folded, strided_slice, to_i64, to_usize};
use crate::util::simple::check_input;
use ward_tensor::Budget;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Slice",
        inputs: Arity::Exact(3),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", ELEMENTS), type_attr("Index", INDEX)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Slice {
    dtype: DType,
    index: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Slice {
        dtype: node.attrs.dtype("T")?,
        index: node.attrs.dtype_or("Index", DType::I32)?,
    }))
}

/// The output dims for `begin`/`size` on `dims` (unknown dims give unknown
/// sizes unless the size is explicit).
fn slice_dims(begin: &[i64], size: &[i64], dims: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
    if begin.len() != dims.len() || size.len() != dims.len() {
        return Err(Error::invalid_argument(format!(
            "Expected begin and size arguments to be 1-D tensors of size {}, but got shapes [{}] and [{}] instead.",
            dims.len(),
            begin.len(),
            size.len()
        )));
    }
    let mut out = Vec::with_capacity(dims.len());
    for (i, ((&b, &s), &d)) in begin.iter().zip(size).zip(dims).enumerate() {
        if s < -1 {
            return Err(Error::invalid_argument(format!(
                "Invalid value in tensor used for shape: {s}"
            )));
        }
        let Some(d) = d else {
            out.push(if s == -1 {
                None
            } else {
                Some(to_usize(s, "size")?)
            });
            continue;
        };
        let dim = to_i64(d)?;
        if b < 0 || b > dim {
            return Err(Error::invalid_argument(format!(
                "Expected begin[{i}] in [0, {dim}], but got {b}"
            )));
        }
        let rest = dim.saturating_sub(b);
        let s = if s == -1 { rest } else { s };
        if s > rest {
            return Err(Error::invalid_argument(format!(
                "Expected size[{i}] in [0, {rest}], but got {s}"
            )));
        }
        out.push(Some(to_usize(s, "size")?));
    }
    Ok(out)
}

fn run(budget: &Budget, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
    let [x, begin, size] = take(inputs)?;
    if begin.rank() != 1 || size.rank() != 1 {
        return Err(Error::invalid_argument("begin and size must be vectors"));
    }
    let begin = begin.to_i64_vec()?;
    let dims: Vec<Option<usize>> = x.dims().iter().map(|&d| Some(d)).collect();
    let out = slice_dims(&begin, &size.to_i64_vec()?, &dims)?
        .into_iter()
        .map(|d| d.ok_or_else(|| Error::internal("unresolved slice dim")))
        .collect::<Result<Vec<_>>>()?;
    let steps = vec![1; out.len()];
    one(strided_slice(budget, &x, &begin, &steps, out)?)
}

impl Kernel for Slice {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        check_input(inputs, 1, Some(self.index))?;
        check_input(inputs, 2, Some(self.index))?;
        let mut shape = PartialShape::unknown();
        let dims = inputs.first().and_then(|x| x.shape.dims());
        if let (Some(dims), Some(b), Some(s)) =
            (dims, const_ints(inputs.get(1)), const_ints(inputs.get(2)))
        {
            shape = PartialShape(Some(slice_dims(&b, &s, dims)?));
        } else if let Some(d) = dims {
            for i in [1, 2] {
                if let Some(Some(Some(n))) = inputs
                    .get(i)
                    .and_then(|v| v.shape.dims().map(|d| d.first().copied()))
                    && n != d.len()
                {
                    return Err(Error::invalid_argument(format!(
                        "Shape must be rank {n} but is rank {}",
                        d.len()
                    )));
                }
            }
            shape = PartialShape(Some(vec![None; d.len()]));
        }
        let info = ValueInfo::of(TypeAttr::Data(self.dtype), shape);
        Ok(folded(vec![info], inputs, run))
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        run(ctx.budget, inputs)
    }
}

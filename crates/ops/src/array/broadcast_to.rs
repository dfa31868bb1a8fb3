//! BroadcastTo: broadcasts `input` to `shape` (NumPy rules).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/BroadcastTo>

use crate::prelude::*;
use crate::util::broadcast::aligned_strides;
use crate::util::layout::{
    ELEMENTS, const_ints, folded, gather_maps, linear_map, partial_from_ints, to_i64,
};
use crate::util::simple::check_input;
use ward_tensor::Budget;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "BroadcastTo",
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", ELEMENTS), type_attr("Tidx", INDEX)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct BroadcastTo {
    dtype: DType,
    tidx: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(BroadcastTo {
        dtype: node.attrs.dtype("T")?,
        tidx: node.attrs.dtype_or("Tidx", DType::I32)?,
    }))
}

/// Checks that `input` broadcasts to exactly `target`.
fn check(input: &[Option<usize>], target: &[Option<usize>]) -> Result<()> {
    if input.len() > target.len() {
        return Err(Error::invalid_argument(format!(
            "Rank of input ({}) must be no greater than rank of output shape ({}).",
            input.len(),
            target.len()
        )));
    }
    let offset = target.len().saturating_sub(input.len());
    for (d, t) in input.iter().zip(target.iter().skip(offset)) {
        if let (Some(d), Some(t)) = (d, t)
            && d != t
            && *d != 1
        {
            return Err(Error::invalid_argument(format!(
                "Dimensions must be equal, but are {d} and {t}"
            )));
        }
    }
    Ok(())
}

fn run(budget: &Budget, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
    let [x, shape] = take(inputs)?;
    if shape.rank() != 1 {
        return Err(Error::invalid_argument("shape must be a vector").at_input(1));
    }
    let target = shape
        .to_i64_vec()?
        .into_iter()
        .map(|d| {
            usize::try_from(d)
                .map_err(|_| Error::invalid_argument(format!("Dimension {d} must be >= 0")))
        })
        .collect::<Result<Vec<_>>>()?;
    let known = |d: &[usize]| d.iter().map(|&v| Some(v)).collect::<Vec<_>>();
    check(&known(x.dims()), &known(&target))?;
    let total = ward_tensor::checked_product(&target)
        .map_err(|_| Error::invalid_argument("BroadcastTo output is too large"))?;
    budget.check_fits(
        u64::try_from(total.saturating_mul(x.dtype().budget_size_of())).unwrap_or(u64::MAX),
        "BroadcastTo output",
    )?;
    let st = aligned_strides(x.dims(), &target);
    let mut maps = Vec::with_capacity(target.len());
    for (&d, &s) in target.iter().zip(&st) {
        maps.push(if total == 0 {
            Vec::new()
        } else {
            linear_map(budget, d, 0, to_i64(s)?)?
        });
    }
    one(
        crate::with_element!(x.dtype(), T => gather_maps::<T>(budget, x.as_slice::<T>()?, target, &maps, "BroadcastTo output"))?,
    )
}

impl Kernel for BroadcastTo {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        check_input(inputs, 1, Some(self.tidx))?;
        let mut shape = PartialShape::unknown();
        if let Some(t) = const_ints(inputs.get(1)) {
            let target = partial_from_ints(&t)?;
            if let (Some(x), Some(td)) =
                (inputs.first().and_then(|v| v.shape.dims()), target.dims())
            {
                check(x, td)?;
            }
            shape = target;
        }
        let info = ValueInfo::of(TypeAttr::Data(self.dtype), shape);
        Ok(folded(vec![info], inputs, run))
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        run(ctx.budget, inputs)
    }
}

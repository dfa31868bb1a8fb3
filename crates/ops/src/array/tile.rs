//! Tile: repeats `input` `multiples[i]` times along each dim i.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Tile>

use crate::prelude::*;
use crate::util::layout::{const_ints, folded, gather_maps, oob, strides, to_usize};
use crate::util::simple::check_input;
use ward_tensor::Budget;
use ward_tensor::DType::*;

/// TF registers no CPU Tile kernel for uint16.
const TILE: &[DType] = &[F16, BF16, F32, F64, I8, I16, I32, I64, U8, U32, U64, Bool];

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Tile",
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", TILE), type_attr("Tmultiples", INDEX)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Tile {
    dtype: DType,
    tmult: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Tile {
        dtype: node.attrs.dtype("T")?,
        tmult: node.attrs.dtype_or("Tmultiples", DType::I32)?,
    }))
}

fn check_multiples(m: &[i64], rank: usize) -> Result<Vec<usize>> {
    if m.len() != rank {
        return Err(Error::invalid_argument(format!(
            "Expected multiples argument to be a vector of length {rank} but got length {}",
            m.len()
        )));
    }
    m.iter()
        .map(|&v| {
            to_usize(v, "multiple").map_err(|_| {
                Error::invalid_argument(format!("Expected multiples[i] >= 0, but got {v}"))
            })
        })
        .collect()
}

fn run(budget: &Budget, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
    let [x, multiples] = take(inputs)?;
    if multiples.rank() != 1 {
        return Err(Error::invalid_argument("multiples must be a vector").at_input(1));
    }
    let m = check_multiples(&multiples.to_i64_vec()?, x.rank())?;
    let dims = x.dims();
    let out_dims = dims
        .iter()
        .zip(&m)
        .map(|(&d, &k)| d.checked_mul(k))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| Error::invalid_argument("Tile output is too large"))?;
    // Checks the element count before building any map.
    let total = ward_tensor::checked_product(&out_dims)
        .map_err(|_| Error::invalid_argument("Tile output is too large"))?;
    budget.check_fits(
        u64::try_from(total.saturating_mul(x.dtype().budget_size_of())).unwrap_or(u64::MAX),
        "Tile output",
    )?;
    let st = strides(dims);
    let mut maps = Vec::with_capacity(dims.len());
    for ((&d, &o), &s) in dims.iter().zip(&out_dims).zip(&st) {
        if total == 0 {
            maps.push(Vec::new());
            continue;
        }
        let (mut map, _lease) = budget.alloc_empty::<usize>(o, "Tile index map")?;
        for i in 0..o {
            let k = i.checked_rem(d).ok_or_else(oob)?;
            map.push(k.checked_mul(s).ok_or_else(oob)?);
        }
        maps.push(map);
    }
    one(
        crate::with_element!(x.dtype(), T => gather_maps::<T>(budget, x.as_slice::<T>()?, out_dims, &maps, "Tile output"))?,
    )
}

impl Kernel for Tile {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        check_input(inputs, 1, Some(self.tmult))?;
        if let Some(r) = inputs.get(1).and_then(|v| v.shape.rank())
            && r != 1
        {
            return Err(Error::invalid_argument(format!(
                "Shape must be rank 1 but is rank {r}"
            )));
        }
        let dims = inputs.first().and_then(|v| v.shape.dims());
        let mut shape = dims.map_or(PartialShape::unknown(), |d| {
            PartialShape(Some(vec![None; d.len()]))
        });
        if let (Some(dims), Some(m)) = (dims, const_ints(inputs.get(1))) {
            let m = check_multiples(&m, dims.len())?;
            shape = PartialShape(Some(
                dims.iter()
                    .zip(&m)
                    .map(|(d, &k)| d.and_then(|d| d.checked_mul(k)))
                    .collect(),
            ));
        }
        let info = ValueInfo::of(TypeAttr::Data(self.dtype), shape);
        Ok(folded(vec![info], inputs, run))
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        run(ctx.budget, inputs)
    }
}

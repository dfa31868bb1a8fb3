//! TopKV2: the `k` largest entries of each row (last dim) and their
//! indices, largest first; NaN ranks above +inf and equal values keep
//! index order, as TF's CPU kernel.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/TopKV2>

use crate::prelude::*;
use std::cmp::Ordering;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "TopKV2",
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(2),
        types: &[
            type_attr("T", NUMERIC),
            TypeConstraint {
                attr: "Tk",
                allowed: INDEX,
                optional: true,
            },
            TypeConstraint {
                attr: "index_type",
                allowed: INDEX,
                optional: true,
            },
        ],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct TopK {
    index_type: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    // `sorted` only allows an unspecified order; ward always sorts.
    node.attrs.bool_or("sorted", true)?;
    Ok(Box::new(TopK {
        index_type: node.attrs.dtype_or("index_type", DType::I32)?,
    }))
}

/// `k` from its scalar tensor, checked non-negative.
fn k_of(t: &Tensor) -> Result<usize> {
    if t.rank() != 0 {
        return Err(Error::invalid_argument(format!(
            "Input must be scalar but has rank {}",
            t.rank()
        )));
    }
    if !matches!(t.dtype(), DType::I32 | DType::I64) {
        return Err(Error::invalid_argument(format!(
            "k must be int32 or int64, got {}",
            t.dtype()
        )));
    }
    let k = t
        .to_i64_vec()?
        .first()
        .copied()
        .ok_or_else(|| Error::invalid_argument("k is empty"))?;
    usize::try_from(k).map_err(|_| {
        Error::invalid_argument(format!(
            "Dimension size, given by scalar input 1, must be non-negative but is {k}"
        ))
    })
}

fn check_k(last: usize, k: usize) -> Result<()> {
    if last < k {
        return Err(Error::invalid_argument(format!(
            "input must have last dimension >= k = {k} but is {last}"
        )));
    }
    Ok(())
}

/// Descending order with NaN first.
trait Rank: Element {
    fn rank_cmp(a: Self, b: Self) -> Ordering;
}
macro_rules! rank_int {
    ($($t:ty),*) => {$(impl Rank for $t {
        fn rank_cmp(a: Self, b: Self) -> Ordering { b.cmp(&a) }
    })*};
}
rank_int!(i8, i16, i32, i64, u8, u16, u32, u64);
macro_rules! rank_float {
    ($($t:ty),*) => {$(impl Rank for $t {
        fn rank_cmp(a: Self, b: Self) -> Ordering {
            let (a, b) = (f64::from(a), f64::from(b));
            match (a.is_nan(), b.is_nan()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                (false, false) => b.partial_cmp(&a).unwrap_or(Ordering::Equal),
            }
        }
    })*};
}
rank_float!(f32, f64, f16, bf16);

impl Kernel for TopK {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        let (Some(x), Some(k)) = (inputs.first(), inputs.get(1)) else {
            return Err(Error::invalid_argument("expected 2 inputs"));
        };
        if let Some(r) = k.shape.rank()
            && r != 0
        {
            return Err(Error::invalid_argument(format!(
                "Input must be scalar but has rank {r}"
            )));
        }
        let kv = k.value.as_ref().map(k_of).transpose()?;
        let shape = match x.shape.dims() {
            Some([]) => {
                return Err(Error::invalid_argument(
                    "Shape must be at least rank 1 but is rank 0",
                ));
            }
            Some(dims) => {
                let mut d = dims.to_vec();
                if let (Some(last), Some(k)) = (d.last().copied().flatten(), kv) {
                    check_k(last, k)?;
                }
                if let Some(l) = d.last_mut() {
                    *l = kv;
                }
                PartialShape(Some(d))
            }
            None => PartialShape::unknown(),
        };
        Ok(vec![
            ValueInfo::of_opt(x.dtype, shape.clone()),
            ValueInfo::of(TypeAttr::Data(self.index_type), shape),
        ])
    }

    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x, k] = take(inputs)?;
        let k = k_of(&k)?;
        if x.rank() == 0 {
            return Err(Error::invalid_argument(
                "Shape must be at least rank 1 but is rank 0",
            ));
        }
        match x.dtype() {
            DType::F32 => self.run::<f32>(ctx, &x, k),
            DType::F64 => self.run::<f64>(ctx, &x, k),
            DType::F16 => self.run::<f16>(ctx, &x, k),
            DType::BF16 => self.run::<bf16>(ctx, &x, k),
            DType::I8 => self.run::<i8>(ctx, &x, k),
            DType::I16 => self.run::<i16>(ctx, &x, k),
            DType::I32 => self.run::<i32>(ctx, &x, k),
            DType::I64 => self.run::<i64>(ctx, &x, k),
            DType::U8 => self.run::<u8>(ctx, &x, k),
            DType::U16 => self.run::<u16>(ctx, &x, k),
            DType::U32 => self.run::<u32>(ctx, &x, k),
            DType::U64 => self.run::<u64>(ctx, &x, k),
            other => Err(Error::invalid_argument(format!(
                "TopKV2 does not support {other}"
            ))),
        }
    }
}

impl TopK {
    fn run<T: Rank>(&self, ctx: &EvalCtx<'_>, x: &Tensor, k: usize) -> Result<Vec<Tensor>> {
        let n = x.dims().last().copied().unwrap_or(0);
        check_k(n, k)?;
        let mut dims = x.dims().to_vec();
        if let Some(l) = dims.last_mut() {
            *l = k;
        }
        let shape = Shape::new(dims)?;
        let len = shape.num_elements()?;
        let (mut values, vl) = ctx.budget.alloc_empty::<T>(len, "TopKV2 values")?;
        let (mut indices, il) = ctx.budget.alloc_empty::<i64>(len, "TopKV2 indices")?;
        let (mut order, _ol) = ctx.budget.alloc_empty::<usize>(n, "TopKV2 order")?;
        let xs = x.as_slice::<T>()?;
        if k > 0 && n > 0 {
            for (r, row) in xs.chunks(n).enumerate() {
                if r.trailing_zeros() >= 8 {
                    ctx.budget.check()?;
                }
                order.clear();
                order.extend(0..row.len());
                let at = |i: usize| row.get(i).copied().unwrap_or_default();
                let cmp = |a: &usize, b: &usize| T::rank_cmp(at(*a), at(*b)).then(a.cmp(b));
                if k < n {
                    order.select_nth_unstable_by(k.saturating_sub(1), cmp);
                }
                let top = order.get_mut(..k).unwrap_or_default();
                top.sort_unstable_by(cmp);
                for &i in top.iter() {
                    values.push(at(i));
                    indices.push(i64::try_from(i).map_err(|_| Error::overflow("index"))?);
                }
            }
        }
        let values = Tensor::from_vec(shape.clone(), values, Some(vl))?;
        let indices =
            match self.index_type {
                DType::I32 => {
                    let (mut v, l) = ctx.budget.alloc_empty::<i32>(len, "TopKV2 indices")?;
                    for &i in &indices {
                        v.push(i32::try_from(i).map_err(|_| {
                            Error::invalid_argument("TopKV2 index does not fit int32")
                        })?);
                    }
                    Tensor::from_vec(shape, v, Some(l))?
                }
                _ => Tensor::from_vec(shape, indices, Some(il))?,
            };
        Ok(vec![values, indices])
    }
}

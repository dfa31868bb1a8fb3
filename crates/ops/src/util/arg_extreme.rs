//! ArgMax/ArgMin: the index of the largest (smallest) element along one
//! axis. As TF's CPU kernels, NaN elements are skipped (the first index of
//! the extreme among the others; 0 when all are NaN) and ties go to the
//! lowest index. The axis is a scalar input, `output_type` int32 or int64.

use crate::kernel::{EvalCtx, Kernel, ValueInfo};
use crate::util::args::take;
use std::fmt;
use ward_graph::{AttrsExt, Node, PartialShape, TypeAttr};
use ward_tensor::{DType, Element, Error, Result, Shape, Tensor, bf16, f16};

/// Which extreme the op looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extreme {
    Max,
    Min,
}

/// The kernel of ArgMax or ArgMin.
pub struct ArgExtreme {
    extreme: Extreme,
    output: DType,
}

impl fmt::Debug for ArgExtreme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArgExtreme")
            .field("extreme", &self.extreme)
            .field("output", &self.output)
            .finish()
    }
}

impl ArgExtreme {
    pub fn boxed(node: &Node, extreme: Extreme) -> Result<Box<dyn Kernel>> {
        let output = node.attrs.dtype_or("output_type", DType::I64)?;
        if !matches!(output, DType::I32 | DType::I64) {
            return Err(Error::invalid_argument(format!(
                "output_type must be int32 or int64, got {output}"
            )));
        }
        Ok(Box::new(ArgExtreme { extreme, output }))
    }
}

fn axis_of(rank: usize, axis: i64) -> Result<usize> {
    let r = i64::try_from(rank).map_err(|_| Error::overflow("rank"))?;
    let fixed = if axis < 0 {
        axis.saturating_add(r)
    } else {
        axis
    };
    if rank == 0 || fixed < 0 || fixed >= r {
        return Err(Error::invalid_argument(format!(
            "Expected dimension in the range [{}, {rank}), but got {axis}",
            r.saturating_neg()
        )));
    }
    usize::try_from(fixed).map_err(|_| Error::overflow("axis"))
}

fn scalar_axis(t: &Tensor) -> Result<i64> {
    if t.rank() != 0 {
        return Err(Error::invalid_argument(format!(
            "Shape must be rank 0 but is rank {}",
            t.rank()
        )));
    }
    if !matches!(t.dtype(), DType::I32 | DType::I64) {
        return Err(Error::invalid_argument(format!(
            "dimension must be int32 or int64, got {}",
            t.dtype()
        )));
    }
    t.to_i64_vec()?
        .first()
        .copied()
        .ok_or_else(|| Error::invalid_argument("dimension is empty"))
}

/// Ordering keys: NaN (for floats) is `None` and never wins.
trait Key: Element {
    type K: PartialOrd + Copy;
    fn key(self) -> Option<Self::K>;
}
macro_rules! key_self {
    ($($t:ty),*) => {$(impl Key for $t {
        type K = $t;
        fn key(self) -> Option<$t> { Some(self) }
    })*};
}
key_self!(i8, i16, i32, i64, u8, u16, u32, u64, bool);
macro_rules! key_float {
    ($($t:ty),*) => {$(impl Key for $t {
        type K = f64;
        fn key(self) -> Option<f64> {
            let v = f64::from(self);
            (!v.is_nan()).then_some(v)
        }
    })*};
}
key_float!(f32, f64, f16, bf16);

impl Kernel for ArgExtreme {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        let (Some(x), Some(d)) = (inputs.first(), inputs.get(1)) else {
            return Err(Error::invalid_argument("expected 2 inputs"));
        };
        if let Some(r) = d.shape.rank()
            && r != 0
        {
            return Err(Error::invalid_argument(format!(
                "Shape must be rank 0 but is rank {r}"
            )));
        }
        let shape = match (x.shape.dims(), &d.value) {
            (Some(dims), Some(axis)) => {
                let axis = axis_of(dims.len(), scalar_axis(axis)?)?;
                let mut out = dims.to_vec();
                if axis < out.len() {
                    out.remove(axis);
                }
                PartialShape(Some(out))
            }
            (Some(dims), None) => PartialShape(Some(vec![None; dims.len().saturating_sub(1)])),
            _ => PartialShape::unknown(),
        };
        Ok(vec![ValueInfo::of(TypeAttr::Data(self.output), shape)])
    }

    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x, d] = take(inputs)?;
        let axis = axis_of(x.rank(), scalar_axis(&d)?)?;
        match x.dtype() {
            DType::F32 => self.run::<f32>(ctx, &x, axis),
            DType::F64 => self.run::<f64>(ctx, &x, axis),
            DType::F16 => self.run::<f16>(ctx, &x, axis),
            DType::BF16 => self.run::<bf16>(ctx, &x, axis),
            DType::I8 => self.run::<i8>(ctx, &x, axis),
            DType::I16 => self.run::<i16>(ctx, &x, axis),
            DType::I32 => self.run::<i32>(ctx, &x, axis),
            DType::I64 => self.run::<i64>(ctx, &x, axis),
            DType::U8 => self.run::<u8>(ctx, &x, axis),
            DType::U16 => self.run::<u16>(ctx, &x, axis),
            DType::U32 => self.run::<u32>(ctx, &x, axis),
            DType::U64 => self.run::<u64>(ctx, &x, axis),
            DType::Bool => self.run::<bool>(ctx, &x, axis),
            other => Err(Error::invalid_argument(format!(
                "ArgMax/ArgMin do not support {other}"
            ))),
        }
    }
}

impl ArgExtreme {
    fn run<T: Key>(&self, ctx: &EvalCtx<'_>, x: &Tensor, axis: usize) -> Result<Vec<Tensor>> {
        let dims = x.dims();
        let n = dims.get(axis).copied().unwrap_or(0);
        let outer: usize = ward_tensor::checked_product(dims.get(..axis).unwrap_or(&[]))?;
        let inner: usize =
            ward_tensor::checked_product(dims.get(axis.saturating_add(1)..).unwrap_or(&[]))?;
        let mut out_dims = dims.to_vec();
        out_dims.remove(axis);
        let shape = Shape::new(out_dims)?;
        let len = shape.num_elements()?;
        if n == 0 && len > 0 {
            return Err(Error::invalid_argument(format!(
                "Reduction axis {axis} is empty in shape {dims:?}"
            )));
        }
        let values = x.as_slice::<T>()?;
        let (mut idx, lease) = ctx.budget.alloc_empty::<i64>(len, "ArgMax output")?;
        let block = n.saturating_mul(inner);
        for o in 0..outer {
            ctx.budget.check()?;
            let base = o.saturating_mul(block);
            for i in 0..inner {
                let mut best: Option<(usize, T::K)> = None;
                for j in 0..n {
                    let at = base
                        .saturating_add(j.saturating_mul(inner))
                        .saturating_add(i);
                    let v = values
                        .get(at)
                        .ok_or_else(|| Error::internal("ArgMax index out of range"))?;
                    let Some(k) = v.key() else { continue };
                    let better = match (best, self.extreme) {
                        (None, _) => true,
                        (Some((_, b)), Extreme::Max) => k > b,
                        (Some((_, b)), Extreme::Min) => k < b,
                    };
                    if better {
                        best = Some((j, k));
                    }
                }
                let j = best.map_or(0, |(j, _)| j);
                idx.push(i64::try_from(j).map_err(|_| Error::overflow("index"))?);
            }
        }
        let out = match self.output {
            DType::I32 => {
                let (mut v, l) = ctx.budget.alloc_empty::<i32>(len, "ArgMax output")?;
                for &i in &idx {
                    v.push(i32::try_from(i).map_err(|_| {
                        Error::invalid_argument("ArgMax index does not fit output_type int32")
                    })?);
                }
                Tensor::from_vec(shape, v, Some(l))?
            }
            _ => Tensor::from_vec(shape, idx, Some(lease))?,
        };
        Ok(vec![out])
    }
}

//! StridedSlice: NumPy-style basic indexing (begin/end/strides with begin,
//! end, ellipsis, new-axis and shrink-axis masks; negative strides).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/StridedSlice>

use crate::prelude::*;
use crate::util::layout::{ELEMENTS, const_ints, folded, strided_slice, to_i64};
use crate::util::simple::check_input;
use ward_tensor::Budget;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "StridedSlice",
        inputs: Arity::Exact(4),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", ELEMENTS), type_attr("Index", INDEX)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug, Clone, Copy)]
pub struct Masks {
    pub begin: i64,
    pub end: i64,
    pub ellipsis: i64,
    pub new_axis: i64,
    pub shrink: i64,
}

#[derive(Debug)]
struct StridedSlice {
    dtype: DType,
    index: DType,
    masks: Masks,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(StridedSlice {
        dtype: node.attrs.dtype("T")?,
        index: node.attrs.dtype_or("Index", DType::I32)?,
        masks: Masks {
            begin: node.attrs.int_or("begin_mask", 0)?,
            end: node.attrs.int_or("end_mask", 0)?,
            ellipsis: node.attrs.int_or("ellipsis_mask", 0)?,
            new_axis: node.attrs.int_or("new_axis_mask", 0)?,
            shrink: node.attrs.int_or("shrink_axis_mask", 0)?,
        },
    }))
}

fn bit(mask: i64, i: usize) -> bool {
    u32::try_from(i)
        .ok()
        .and_then(|i| mask.checked_shr(i))
        .is_some_and(|m| m & 1 == 1)
}

/// What to read: for each input dim, the first index and step; the
/// processing shape (one dim per input dim) and the final shape.
#[derive(Debug)]
pub struct SlicePlan {
    pub begin: Vec<i64>,
    pub stride: Vec<i64>,
    pub processing: Vec<Option<usize>>,
    pub final_dims: Vec<Option<usize>>,
}

/// One dense (per input dim) slice spec.
#[derive(Clone, Copy)]
struct Dense {
    begin: i64,
    end: i64,
    stride: i64,
    begin_masked: bool,
    end_masked: bool,
    shrink: bool,
}

enum Gather {
    Dim(usize),
    NewAxis,
    Shrink,
}

/// TF's `ValidateStridedSliceOp` for input dims that may be unknown.
pub fn plan(
    begin: &[i64],
    end: &[i64],
    strides: &[i64],
    masks: Masks,
    dims: &[Option<usize>],
) -> Result<SlicePlan> {
    let n = begin.len();
    if end.len() != n || strides.len() != n {
        return Err(Error::invalid_argument(format!(
            "Expected begin, end, and strides to be 1D equal size tensors, but got shapes [{n}], [{}], and [{}] instead.",
            end.len(),
            strides.len()
        )));
    }
    if n > 64 {
        return Err(Error::invalid_argument("too many slice specs"));
    }
    if masks.ellipsis.count_ones() > 1 {
        return Err(Error::invalid_argument(
            "Multiple ellipses in slice spec not allowed",
        ));
    }
    // Sparse spec -> dense spec, with an implicit trailing ellipsis.
    let mut ellipsis_seen = false;
    let mut new_after_ellipsis = 0usize;
    for i in 0..n {
        if ellipsis_seen && bit(masks.new_axis, i) {
            new_after_ellipsis = new_after_ellipsis.saturating_add(1);
        }
        if bit(masks.ellipsis, i) {
            ellipsis_seen = true;
        }
    }
    let sparse_dims = if ellipsis_seen {
        n
    } else {
        n.saturating_add(1)
    };
    let rank = dims.len();
    let full = Dense {
        begin: 0,
        end: 0,
        stride: 1,
        begin_masked: true,
        end_masked: true,
        shrink: false,
    };
    let mut dense = vec![full; rank];
    let mut gather = Vec::new();
    let mut full_index = 0usize;
    for i in 0..sparse_dims {
        let is_ellipsis = if i < n { bit(masks.ellipsis, i) } else { true };
        if is_ellipsis {
            let next = rank
                .saturating_add(1)
                .saturating_add(new_after_ellipsis)
                .saturating_add(i)
                .saturating_sub(sparse_dims)
                .min(rank);
            while full_index < next {
                gather.push(Gather::Dim(full_index));
                full_index = full_index.saturating_add(1);
            }
        } else if bit(masks.new_axis, i) {
            gather.push(Gather::NewAxis);
        } else {
            let slot = dense.get_mut(full_index).ok_or_else(|| {
                Error::invalid_argument(format!(
                    "Index out of range using input dim {full_index}; input has only {rank} dims"
                ))
            })?;
            let shrink = bit(masks.shrink, i);
            // Only real slices need a stride (new axes and the ellipsis
            // ignore theirs).
            if strides.get(i).copied() == Some(0) {
                return Err(Error::invalid_argument(format!(
                    "strides[{i}] must be non-zero"
                )));
            }
            *slot = Dense {
                begin: begin.get(i).copied().unwrap_or(0),
                end: end.get(i).copied().unwrap_or(0),
                stride: strides.get(i).copied().unwrap_or(1),
                begin_masked: bit(masks.begin, i),
                end_masked: bit(masks.end, i),
                shrink,
            };
            gather.push(if shrink {
                Gather::Shrink
            } else {
                Gather::Dim(full_index)
            });
            full_index = full_index.saturating_add(1);
        }
    }
    let mut out = SlicePlan {
        begin: Vec::with_capacity(rank),
        stride: Vec::with_capacity(rank),
        processing: Vec::with_capacity(rank),
        final_dims: Vec::new(),
    };
    for (i, (d, &dim)) in dense.iter().zip(dims).enumerate() {
        let stride = d.stride;
        if d.shrink && stride <= 0 {
            return Err(Error::invalid_argument(
                "only stride 1 allowed on non-range indexing.",
            ));
        }
        let Some(dim) = dim else {
            out.begin.push(0);
            out.stride.push(stride);
            out.processing.push(if d.shrink { Some(1) } else { None });
            continue;
        };
        let dim = to_i64(dim)?;
        let (b, size) = if d.shrink {
            let x = if d.begin < 0 {
                dim.checked_add(d.begin)
            } else {
                Some(d.begin)
            };
            match x {
                Some(x) if x >= 0 && x < dim => (x, 1),
                _ => {
                    return Err(Error::invalid_argument(format!(
                        "slice index {} of dimension {i} out of bounds.",
                        d.begin
                    )));
                }
            }
        } else {
            let (lo, hi) = if stride > 0 {
                (0, dim)
            } else {
                (-1, dim.saturating_sub(1))
            };
            let canonical = |x: i64, masked: bool, is_end: bool| -> i64 {
                if masked {
                    // Begin masks to the start of the walk, end to its end.
                    match (stride > 0, is_end) {
                        (true, false) | (false, true) => lo,
                        _ => hi,
                    }
                } else {
                    let fwd = if x < 0 { x.saturating_add(dim) } else { x };
                    fwd.clamp(lo, hi)
                }
            };
            let b = canonical(d.begin, d.begin_masked, false);
            let e = canonical(d.end, d.end_masked, true);
            let len = e.saturating_sub(b);
            let size = if len == 0 || ((len < 0) != (stride < 0)) {
                0
            } else {
                let q = len.checked_div(stride).unwrap_or(0);
                let r = len.checked_rem(stride).unwrap_or(0);
                q.saturating_add(i64::from(r != 0))
            };
            (b, size)
        };
        out.begin.push(b);
        out.stride.push(stride);
        out.processing.push(Some(
            usize::try_from(size).map_err(|_| Error::overflow("slice size"))?,
        ));
    }
    for g in &gather {
        match g {
            Gather::Dim(i) => out
                .final_dims
                .push(out.processing.get(*i).copied().flatten()),
            Gather::NewAxis => out.final_dims.push(Some(1)),
            Gather::Shrink => {}
        }
    }
    Ok(out)
}

impl StridedSlice {
    fn run(&self, budget: &Budget, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x, begin, end, strides] = take(inputs)?;
        for (i, t) in [&begin, &end, &strides].into_iter().enumerate() {
            if t.rank() != 1 {
                return Err(
                    Error::invalid_argument("begin, end and strides must be vectors")
                        .at_input(i.saturating_add(1)),
                );
            }
        }
        let dims: Vec<Option<usize>> = x.dims().iter().map(|&d| Some(d)).collect();
        let p = plan(
            &begin.to_i64_vec()?,
            &end.to_i64_vec()?,
            &strides.to_i64_vec()?,
            self.masks,
            &dims,
        )?;
        let processing = p
            .processing
            .iter()
            .map(|d| d.ok_or_else(|| Error::internal("unresolved slice dim")))
            .collect::<Result<Vec<_>>>()?;
        let final_dims = p
            .final_dims
            .iter()
            .map(|d| d.ok_or_else(|| Error::internal("unresolved slice dim")))
            .collect::<Result<Vec<_>>>()?;
        let sliced = strided_slice(budget, &x, &p.begin, &p.stride, processing)?;
        one(sliced.reshaped(Shape::new(final_dims)?)?)
    }
}

impl Kernel for StridedSlice {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        for i in 1..4 {
            check_input(inputs, i, Some(self.index))?;
        }
        let mut shape = PartialShape::unknown();
        if let (Some(dims), Some(b), Some(e), Some(s)) = (
            inputs.first().and_then(|x| x.shape.dims()),
            const_ints(inputs.get(1)),
            const_ints(inputs.get(2)),
            const_ints(inputs.get(3)),
        ) {
            shape = PartialShape(Some(plan(&b, &e, &s, self.masks, dims)?.final_dims));
        }
        let info = ValueInfo::of(TypeAttr::Data(self.dtype), shape);
        Ok(folded(vec![info], inputs, |b, t| self.run(b, t)))
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        self.run(ctx.budget, inputs)
    }
}

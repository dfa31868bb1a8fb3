//! Data movement shared by the array ops: reading constant int inputs,
//! building index-typed outputs, and copying elements through per-axis
//! offset maps (transpose, slices, reversal, tiling, broadcasting and
//! padding are all such copies). Every size is computed with checked
//! arithmetic and every buffer is charged to the budget before it exists.

use crate::kernel::ValueInfo;
use ward_graph::{PartialShape, TypeAttr};
use ward_tensor::{Budget, DType, Element, Error, Result, Shape, Tensor};

/// Numeric and bool element types (what data-movement ops copy).
pub const ELEMENTS: &[DType] = crate::util::dtypes::NUMERIC_BOOL;

/// Runs `$body` with `$t` bound to the Rust type of a numeric or bool
/// dtype, or returns InvalidArgument for other dtypes.
#[macro_export]
macro_rules! with_element {
    ($dtype:expr, $t:ident => $body:expr) => {{
        match $dtype {
            ward_tensor::DType::Bool => {
                type $t = bool;
                $body
            }
            other => $crate::with_numeric!(other, $t => $body),
        }
    }};
}

/// An internal "index out of range" error: validation should have made it
/// impossible, so reaching it means a bug, never an out-of-bounds read.
pub fn oob() -> Error {
    Error::internal("element index out of range")
}

/// The contents of a constant integer input, when known.
pub fn const_ints(info: Option<&ValueInfo>) -> Option<Vec<i64>> {
    info?.value.as_ref()?.to_i64_vec().ok()
}

/// A known data type of an input, if any.
pub fn known_dtype(info: Option<&ValueInfo>) -> Option<DType> {
    match info?.dtype? {
        TypeAttr::Data(d) => Some(d),
        _ => None,
    }
}

/// Checks that tensor input `i` has dtype `want`.
pub fn expect_dtype(t: &Tensor, want: DType, i: usize) -> Result<()> {
    if t.dtype() != want {
        return Err(Error::invalid_argument(format!(
            "input {i} has type {} but the op expects {want}",
            t.dtype()
        ))
        .at_input(i));
    }
    Ok(())
}

/// `usize` from a non-negative `i64`.
pub fn to_usize(v: i64, what: &str) -> Result<usize> {
    usize::try_from(v).map_err(|_| Error::invalid_argument(format!("{what} must be >= 0, got {v}")))
}

/// `i64` from a `usize` (sizes always fit, but check anyway).
pub fn to_i64(v: usize) -> Result<i64> {
    i64::try_from(v).map_err(|_| Error::overflow("value does not fit in int64"))
}

/// The rank as i64.
pub fn rank_i64(rank: usize) -> i64 {
    i64::try_from(rank).unwrap_or(i64::MAX)
}

/// An int32 or int64 tensor holding `values`; int32 values that don't fit
/// are InvalidArgument.
pub fn int_tensor(budget: &Budget, dtype: DType, shape: Shape, values: &[i64]) -> Result<Tensor> {
    match dtype {
        DType::I32 => {
            let (mut out, lease) = budget.alloc_empty::<i32>(values.len(), "int32 output")?;
            for &v in values {
                out.push(i32::try_from(v).map_err(|_| {
                    Error::invalid_argument(format!("value {v} does not fit in int32"))
                })?);
            }
            Tensor::from_vec(shape, out, Some(lease))
        }
        DType::I64 => Tensor::from_slice(budget, shape, values, "int64 output"),
        other => Err(Error::invalid_argument(format!(
            "index output type must be int32 or int64, not {other}"
        ))),
    }
}

/// The constant value of a small int32/int64 output, for shape inference.
pub fn int_value(dtype: DType, shape: Shape, values: &[i64]) -> Option<Tensor> {
    int_tensor(&Budget::unlimited(), dtype, shape, values).ok()
}

/// Partial shape from a constant shape vector, where -1 means unknown.
pub fn partial_from_ints(values: &[i64]) -> Result<PartialShape> {
    values
        .iter()
        .map(|&d| match d {
            -1 => Ok(None),
            d if d < 0 => Err(Error::invalid_argument(format!(
                "Invalid value in tensor used for shape: {d}"
            ))),
            d => to_usize(d, "dimension").map(Some),
        })
        .collect::<Result<Vec<_>>>()
        .map(|v| PartialShape(Some(v)))
}

/// `start + i * step` for `i` in `0..len`: the source offsets one output
/// axis reads, already multiplied by the source stride. Fails if any offset
/// is negative or overflows.
pub fn linear_map(budget: &Budget, len: usize, start: i64, step: i64) -> Result<Vec<usize>> {
    let (mut map, _lease) = budget.alloc_empty::<usize>(len, "index map")?;
    let mut at = start;
    for i in 0..len {
        map.push(to_usize(at, "offset").map_err(|_| oob())?);
        if i.checked_add(1).is_some_and(|n| n < len) {
            at = at.checked_add(step).ok_or_else(oob)?;
        }
    }
    Ok(map)
}

/// Row-major strides of `dims` (saturating; only used on valid shapes).
pub fn strides(dims: &[usize]) -> Vec<usize> {
    let mut out = vec![1usize; dims.len()];
    let mut acc = 1usize;
    for (s, &d) in out.iter_mut().zip(dims).rev() {
        *s = acc;
        acc = acc.saturating_mul(d);
    }
    out
}

/// A tensor of shape `out_dims` whose element at `(i0, .., ik)` is
/// `src[maps[0][i0] + .. + maps[k][ik]]`. Maps must have the output's dim
/// lengths; every offset is bounds-checked.
pub fn gather_maps<T: Element>(
    budget: &Budget,
    src: &[T],
    out_dims: Vec<usize>,
    maps: &[Vec<usize>],
    what: &str,
) -> Result<Tensor> {
    let shape = Shape::new(out_dims)?;
    let n = shape.num_elements()?;
    if maps.len() != shape.rank()
        || maps
            .iter()
            .zip(shape.dims())
            .any(|(m, &d)| m.len() != d && n > 0)
    {
        return Err(Error::internal("index maps do not match the output shape"));
    }
    let tiled = maps.len() >= 2 && maps.last().is_some_and(|m| !is_contiguous(m));
    let (mut out, lease) = if tiled {
        budget.alloc_vec::<T>(n, T::default(), what)?
    } else {
        budget.alloc_empty::<T>(n, what)?
    };
    if n > 0 {
        if tiled {
            walk_tiled(src, maps, &mut out)?;
        } else {
            walk_maps(src, maps, &mut out)?;
        }
    }
    if out.len() != n {
        return Err(Error::internal("copy produced the wrong element count"));
    }
    Tensor::from_vec(shape, out, Some(lease))
}

/// Whether a map reads consecutive elements.
fn is_contiguous(map: &[usize]) -> bool {
    let first = map.first().copied().unwrap_or(0);
    map.iter()
        .enumerate()
        .all(|(i, &o)| first.checked_add(i) == Some(o))
}

/// Side of the square tiles [`walk_tiled`] copies.
const TILE: usize = 32;

/// Fills `out` (already sized) like [`walk_maps`], copying the last two
/// dims in square tiles so that strided reads (transposes) stay in cache.
/// Needs at least two maps, none empty.
fn walk_tiled<T: Copy>(src: &[T], maps: &[Vec<usize>], out: &mut [T]) -> Result<()> {
    let Some((last, rest)) = maps.split_last() else {
        return Err(oob());
    };
    let Some((second, outer)) = rest.split_last() else {
        return Err(oob());
    };
    let (rows, cols) = (second.len(), last.len());
    let plane = rows.checked_mul(cols).ok_or_else(oob)?;
    let mut counter = vec![0usize; outer.len()];
    let mut out_base = 0usize;
    loop {
        let mut base = 0usize;
        for (m, &c) in outer.iter().zip(&counter) {
            base = base
                .checked_add(*m.get(c).ok_or_else(oob)?)
                .ok_or_else(oob)?;
        }
        for r0 in (0..rows).step_by(TILE) {
            for c0 in (0..cols).step_by(TILE) {
                for r in r0..rows.min(r0.saturating_add(TILE)) {
                    let row = base
                        .checked_add(*second.get(r).ok_or_else(oob)?)
                        .ok_or_else(oob)?;
                    let orow = r
                        .checked_mul(cols)
                        .and_then(|v| v.checked_add(out_base))
                        .ok_or_else(oob)?;
                    let c1 = cols.min(c0.saturating_add(TILE));
                    let dst = out
                        .get_mut(
                            orow.checked_add(c0).ok_or_else(oob)?
                                ..orow.checked_add(c1).ok_or_else(oob)?,
                        )
                        .ok_or_else(oob)?;
                    let offsets = last.get(c0..c1).ok_or_else(oob)?;
                    for (d, &o) in dst.iter_mut().zip(offsets) {
                        *d = *src
                            .get(row.checked_add(o).ok_or_else(oob)?)
                            .ok_or_else(oob)?;
                    }
                }
            }
        }
        out_base = out_base.checked_add(plane).ok_or_else(oob)?;
        let mut axis = outer.len();
        loop {
            let Some(a) = axis.checked_sub(1) else {
                return Ok(());
            };
            axis = a;
            let (Some(c), Some(m)) = (counter.get_mut(axis), outer.get(axis)) else {
                return Err(oob());
            };
            *c = c.saturating_add(1);
            if *c < m.len() {
                break;
            }
            *c = 0;
        }
    }
}

/// Appends the elements selected by `maps` (see [`gather_maps`]) to `out`.
/// No map may be empty.
pub fn walk_maps<T: Copy>(src: &[T], maps: &[Vec<usize>], out: &mut Vec<T>) -> Result<()> {
    let Some((last, outer)) = maps.split_last() else {
        out.push(*src.first().ok_or_else(oob)?);
        return Ok(());
    };
    let first = *last.first().ok_or_else(oob)?;
    let contiguous = last
        .iter()
        .enumerate()
        .all(|(i, &o)| first.checked_add(i) == Some(o));
    let mut counter = vec![0usize; outer.len()];
    loop {
        let mut base = 0usize;
        for (m, &c) in outer.iter().zip(&counter) {
            base = base
                .checked_add(*m.get(c).ok_or_else(oob)?)
                .ok_or_else(oob)?;
        }
        if contiguous {
            let start = base.checked_add(first).ok_or_else(oob)?;
            let end = start.checked_add(last.len()).ok_or_else(oob)?;
            out.extend_from_slice(src.get(start..end).ok_or_else(oob)?);
        } else {
            for &o in last {
                let i = base.checked_add(o).ok_or_else(oob)?;
                out.push(*src.get(i).ok_or_else(oob)?);
            }
        }
        // Advance the outer counter like an odometer.
        let mut axis = outer.len();
        loop {
            let Some(a) = axis.checked_sub(1) else {
                return Ok(());
            };
            axis = a;
            let (Some(c), Some(m)) = (counter.get_mut(axis), outer.get(axis)) else {
                return Err(oob());
            };
            *c = c.saturating_add(1);
            if *c < m.len() {
                break;
            }
            *c = 0;
        }
    }
}

/// Transposes `x` by `perm` (a permutation of its axes, already checked).
pub fn transpose(budget: &Budget, x: &Tensor, perm: &[usize]) -> Result<Tensor> {
    let dims = x.dims();
    let st = strides(dims);
    let mut out_dims = Vec::with_capacity(perm.len());
    let mut maps = Vec::with_capacity(perm.len());
    let total = x.len();
    for &p in perm {
        let d = *dims.get(p).ok_or_else(oob)?;
        out_dims.push(d);
        let s = to_i64(*st.get(p).ok_or_else(oob)?)?;
        maps.push(if total == 0 {
            Vec::new()
        } else {
            linear_map(budget, d, 0, s)?
        });
    }
    crate::with_element!(x.dtype(), T => gather_maps::<T>(budget, x.as_slice::<T>()?, out_dims, &maps, "Transpose output"))
}

/// Validates a permutation of `0..rank` (negative entries count from the
/// end, as TF allows).
pub fn check_perm(perm: &[i64], rank: usize) -> Result<Vec<usize>> {
    if perm.len() != rank {
        return Err(Error::invalid_argument(format!(
            "transpose expects a vector of size {rank}. But input(1) is a vector of size {}",
            perm.len()
        )));
    }
    let mut seen = vec![false; rank];
    let mut out = Vec::with_capacity(rank);
    for &p in perm {
        let a = ward_tensor::normalize_axis(p, rank)
            .map_err(|_| Error::invalid_argument(format!("{p} is out of range [0 .. {rank})")))?;
        let slot = seen.get_mut(a).ok_or_else(oob)?;
        if *slot {
            return Err(Error::invalid_argument(format!(
                "{p} is duplicated in the input"
            )));
        }
        *slot = true;
        out.push(a);
    }
    Ok(out)
}

/// Product of `dims[from..to]` (checked).
pub fn product(dims: &[usize]) -> Result<usize> {
    ward_tensor::checked_product(dims)
}

/// Dimensions of a value, as far as they are known.
pub fn known_dims(info: Option<&ValueInfo>) -> Option<&[Option<usize>]> {
    info?.shape.dims()
}

/// Largest total input size that shape inference evaluates eagerly to
/// propagate constant values (shape arithmetic on small int vectors).
const FOLD_LIMIT: usize = 4096;

/// Runs `f` on the inputs' constant values when all are known and small,
/// so downstream inference sees the results; `None` otherwise or when `f`
/// fails (the run reports the error).
pub fn fold(
    inputs: &[ValueInfo],
    f: impl FnOnce(&Budget, Vec<Tensor>) -> Result<Vec<Tensor>>,
) -> Option<Vec<Tensor>> {
    let values: Vec<Tensor> = inputs
        .iter()
        .map(|i| i.value.clone())
        .collect::<Option<_>>()?;
    let total = values
        .iter()
        .try_fold(0usize, |acc, t| acc.checked_add(t.len()))?;
    if total > FOLD_LIMIT {
        return None;
    }
    let budget = Budget::new(&ward_tensor::Limits {
        memory_bytes: 1 << 20,
        ..Default::default()
    });
    f(&budget, values).ok()
}

/// Replaces inferred outputs with constants when [`fold`] succeeds.
pub fn folded(
    inferred: Vec<ValueInfo>,
    inputs: &[ValueInfo],
    f: impl FnOnce(&Budget, Vec<Tensor>) -> Result<Vec<Tensor>>,
) -> Vec<ValueInfo> {
    match fold(inputs, f) {
        Some(values) if values.len() == inferred.len() => {
            values.into_iter().map(ValueInfo::constant).collect()
        }
        _ => inferred,
    }
}

/// Concatenates same-typed tensors along `axis`: each part is viewed as
/// `[outer, chunk]` with the same `outer` (the product of dims before
/// `axis`); `out_dims` is the result's shape. Shapes must be checked.
pub fn concat(
    budget: &Budget,
    parts: &[Tensor],
    axis: usize,
    out_dims: Vec<usize>,
) -> Result<Tensor> {
    let first = parts
        .first()
        .ok_or_else(|| Error::invalid_argument("nothing to concatenate"))?;
    let outer = product(out_dims.get(..axis).ok_or_else(oob)?)?;
    let chunks = parts
        .iter()
        .map(|p| product(p.dims().get(axis..).unwrap_or(&[])))
        .collect::<Result<Vec<_>>>()?;
    fn typed<T: Element>(
        budget: &Budget,
        parts: &[Tensor],
        chunks: &[usize],
        outer: usize,
        out_dims: Vec<usize>,
    ) -> Result<Tensor> {
        let shape = Shape::new(out_dims)?;
        let n = shape.num_elements()?;
        let (mut out, lease) = budget.alloc_empty::<T>(n, "concatenated output")?;
        let slices = parts
            .iter()
            .map(|p| p.as_slice::<T>())
            .collect::<Result<Vec<_>>>()?;
        for o in 0..outer {
            for (s, &c) in slices.iter().zip(chunks) {
                let start = o.checked_mul(c).ok_or_else(oob)?;
                let end = start.checked_add(c).ok_or_else(oob)?;
                out.extend_from_slice(s.get(start..end).ok_or_else(oob)?);
            }
        }
        if out.len() != n {
            return Err(Error::internal(
                "concatenation produced the wrong element count",
            ));
        }
        Tensor::from_vec(shape, out, Some(lease))
    }
    crate::with_element!(first.dtype(), T => typed::<T>(budget, parts, &chunks, outer, out_dims))
}

/// Splits `x` along `axis` into pieces of `sizes` (which must sum to that
/// dim), each keeping `x`'s rank.
pub fn split(budget: &Budget, x: &Tensor, axis: usize, sizes: &[usize]) -> Result<Vec<Tensor>> {
    let dims = x.dims();
    let dim = *dims.get(axis).ok_or_else(oob)?;
    let outer = product(dims.get(..axis).ok_or_else(oob)?)?;
    let inner = product(dims.get(axis.saturating_add(1)..).unwrap_or(&[]))?;
    fn typed<T: Element>(
        budget: &Budget,
        x: &Tensor,
        axis: usize,
        sizes: &[usize],
        dim: usize,
        outer: usize,
        inner: usize,
    ) -> Result<Vec<Tensor>> {
        let src = x.as_slice::<T>()?;
        let mut offset = 0usize;
        let mut out = Vec::with_capacity(sizes.len());
        for &size in sizes {
            let mut d = x.dims().to_vec();
            if let Some(slot) = d.get_mut(axis) {
                *slot = size;
            }
            let shape = Shape::new(d)?;
            let n = shape.num_elements()?;
            let (mut v, lease) = budget.alloc_empty::<T>(n, "split output")?;
            let run = size.checked_mul(inner).ok_or_else(oob)?;
            if run > 0 {
                for o in 0..outer {
                    let start = o
                        .checked_mul(dim)
                        .and_then(|r| r.checked_add(offset))
                        .and_then(|r| r.checked_mul(inner))
                        .ok_or_else(oob)?;
                    let end = start.checked_add(run).ok_or_else(oob)?;
                    v.extend_from_slice(src.get(start..end).ok_or_else(oob)?);
                }
            }
            if v.len() != n {
                return Err(Error::internal("split produced the wrong element count"));
            }
            out.push(Tensor::from_vec(shape, v, Some(lease))?);
            offset = offset.checked_add(size).ok_or_else(oob)?;
        }
        Ok(out)
    }
    crate::with_element!(x.dtype(), T => typed::<T>(budget, x, axis, sizes, dim, outer, inner))
}

/// The elements `begin[i] + k * step[i]` for `k < out_dims[i]` along every
/// axis (a strided slice; begins and steps must keep every index in range).
pub fn strided_slice(
    budget: &Budget,
    x: &Tensor,
    begin: &[i64],
    step: &[i64],
    out_dims: Vec<usize>,
) -> Result<Tensor> {
    let st = strides(x.dims());
    let n = product(&out_dims)?;
    let mut maps = Vec::with_capacity(out_dims.len());
    for (i, &d) in out_dims.iter().enumerate() {
        if n == 0 {
            maps.push(Vec::new());
            continue;
        }
        let s = to_i64(*st.get(i).ok_or_else(oob)?)?;
        let b = begin.get(i).copied().ok_or_else(oob)?;
        let k = step.get(i).copied().ok_or_else(oob)?;
        // A single element never steps (its step may be any stride).
        let step = if d > 1 {
            k.checked_mul(s).ok_or_else(oob)?
        } else {
            0
        };
        maps.push(linear_map(
            budget,
            d,
            b.checked_mul(s).ok_or_else(oob)?,
            step,
        )?);
    }
    crate::with_element!(x.dtype(), T => gather_maps::<T>(budget, x.as_slice::<T>()?, out_dims, &maps, "slice output"))
}

/// Most outputs an op may declare through an attribute (Unpack's `num`,
/// Split's `num_split`): the graph limit on inputs per node, so a hostile
/// attribute cannot make the runtime allocate slots for billions.
pub const MAX_OUTPUTS: usize = 100_000;

/// Checks an output-count attribute against [`MAX_OUTPUTS`].
pub fn output_count(v: i64, what: &str) -> Result<usize> {
    let n = to_usize(v, what)?;
    if n > MAX_OUTPUTS {
        return Err(Error::invalid_argument(format!(
            "{what} = {n} exceeds the maximum of {MAX_OUTPUTS}"
        )));
    }
    Ok(n)
}

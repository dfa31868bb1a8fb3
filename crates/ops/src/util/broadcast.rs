//! NumPy-style broadcasting of two operands: plans the iteration once, then
//! walks output elements with precomputed strides. Equal shapes and scalar
//! operands take contiguous fast paths.

use ward_tensor::{Result, Shape, broadcast_shapes};

/// How two operands map onto the broadcast output.
#[derive(Debug, Clone)]
pub enum Plan {
    /// Same shape: elementwise over contiguous slices.
    Same,
    /// `a` is a single element.
    ScalarA,
    /// `b` is a single element.
    ScalarB,
    /// `a` has the output's shape and `b` its trailing `inner` elements
    /// (e.g. `[N,H,W,C] * [C]`): `b` repeats along contiguous runs.
    SuffixB { inner: usize },
    /// The mirror image: `b` has the output's shape, `a` repeats.
    SuffixA { inner: usize },
    /// `a` has the output's shape and `b` its leading dims with trailing 1s
    /// (e.g. `[B,S,D] - [B,S,1]`, layer norm): each `b` element applies to
    /// a contiguous run of `inner` elements of `a`.
    PrefixB { inner: usize },
    /// The mirror image: `b` has the output's shape.
    PrefixA { inner: usize },
    /// General case: per-dim strides (0 where broadcast).
    Strided {
        dims: Vec<usize>,
        a_strides: Vec<usize>,
        b_strides: Vec<usize>,
    },
}

pub struct Broadcast {
    pub shape: Shape,
    pub plan: Plan,
}

/// Strides of `dims` aligned to `rank` output dims; 0 for broadcast dims.
pub fn aligned_strides(dims: &[usize], out: &[usize]) -> Vec<usize> {
    let rank = out.len();
    let offset = rank.saturating_sub(dims.len());
    let mut strides = vec![0usize; rank];
    let mut acc = 1usize;
    for (i, &d) in dims.iter().enumerate().rev() {
        if let Some(slot) = strides.get_mut(i.saturating_add(offset)) {
            *slot = if d == 1 { 0 } else { acc };
        }
        acc = acc.saturating_mul(d);
    }
    strides
}

pub fn plan(a: &[usize], b: &[usize]) -> Result<Broadcast> {
    let shape = broadcast_shapes(a, b)?;
    let a_len: usize = a.iter().product();
    let b_len: usize = b.iter().product();
    let plan = if a == b {
        Plan::Same
    } else if a_len == 1 && shape.dims().len() >= a.len() {
        Plan::ScalarA
    } else if b_len == 1 && shape.dims().len() >= b.len() {
        Plan::ScalarB
    } else if let Some(inner) = repeating_suffix(a, b, shape.dims()) {
        Plan::SuffixB { inner }
    } else if let Some(inner) = repeating_suffix(b, a, shape.dims()) {
        Plan::SuffixA { inner }
    } else if let Some(inner) = repeated_prefix(a, b, shape.dims()) {
        Plan::PrefixB { inner }
    } else if let Some(inner) = repeated_prefix(b, a, shape.dims()) {
        Plan::PrefixA { inner }
    } else {
        // Collapse adjacent dims that broadcast the same way to shorten the walk.
        let out = shape.dims();
        Plan::Strided {
            dims: out.to_vec(),
            a_strides: aligned_strides(a, out),
            b_strides: aligned_strides(b, out),
        }
    };
    Ok(Broadcast { shape, plan })
}

/// `Some(len(small))` when `full` is the whole output and `small`, leading
/// 1s aside, is the output's trailing dims.
fn repeating_suffix(full: &[usize], small: &[usize], out: &[usize]) -> Option<usize> {
    if full != out {
        return None;
    }
    let first = small.iter().position(|&d| d != 1).unwrap_or(small.len());
    let core = small.get(first..)?;
    let tail = out.get(out.len().checked_sub(core.len())?..)?;
    if core.is_empty() || core != tail {
        return None;
    }
    let inner: usize = core.iter().product();
    (inner > 0).then_some(inner)
}

/// `Some(run length)` when `full` is the whole output and `small` has the
/// output's rank, its leading dims, then only 1s (at least one dim > 1).
fn repeated_prefix(full: &[usize], small: &[usize], out: &[usize]) -> Option<usize> {
    if full != out || small.len() != out.len() {
        return None;
    }
    let kept = small.iter().rposition(|&d| d != 1)?.checked_add(1)?;
    if small.get(..kept)? != out.get(..kept)? {
        return None;
    }
    let inner: usize = out.get(kept..)?.iter().product();
    (inner > 1).then_some(inner)
}

/// Calls `f(out_index, a_index, b_index)` for every output element of a
/// strided broadcast, in row-major order. The innermost dim is a tight loop.
pub fn for_each_strided(
    dims: &[usize],
    a_strides: &[usize],
    b_strides: &[usize],
    mut f: impl FnMut(usize, usize, usize),
) {
    let rank = dims.len();
    if dims.contains(&0) {
        return;
    }
    if rank == 0 {
        f(0, 0, 0);
        return;
    }
    let inner = dims.last().copied().unwrap_or(1);
    let a_inner = a_strides.last().copied().unwrap_or(0);
    let b_inner = b_strides.last().copied().unwrap_or(0);
    let mut counter = vec![0usize; rank.saturating_sub(1)];
    let (mut out, mut ai, mut bi) = (0usize, 0usize, 0usize);
    loop {
        let (mut a, mut b) = (ai, bi);
        for _ in 0..inner {
            f(out, a, b);
            out = out.wrapping_add(1);
            a = a.wrapping_add(a_inner);
            b = b.wrapping_add(b_inner);
        }
        // Advance the outer counter like an odometer.
        let mut axis = counter.len();
        loop {
            if axis == 0 {
                return;
            }
            axis = axis.wrapping_sub(1);
            let (Some(c), Some(&d), Some(&sa), Some(&sb)) = (
                counter.get_mut(axis),
                dims.get(axis),
                a_strides.get(axis),
                b_strides.get(axis),
            ) else {
                return;
            };
            *c = c.wrapping_add(1);
            ai = ai.wrapping_add(sa);
            bi = bi.wrapping_add(sb);
            if *c < d {
                break;
            }
            *c = 0;
            ai = ai.wrapping_sub(sa.wrapping_mul(d));
            bi = bi.wrapping_sub(sb.wrapping_mul(d));
        }
    }
}

/// Calls `f` with each operand's element index for every element of a
/// broadcast output of shape `dims`, in row-major order. `strides[k]` are
/// operand k's strides aligned to `dims` (see [`aligned_strides`]). The
/// innermost dim is a tight loop; outer dims advance like an odometer.
pub fn for_each_broadcast<const K: usize>(
    dims: &[usize],
    strides: &[Vec<usize>; K],
    mut f: impl FnMut([usize; K]),
) {
    if dims.contains(&0) {
        return;
    }
    let Some((&inner, outer)) = dims.split_last() else {
        f([0; K]);
        return;
    };
    let step = |k: usize, axis: usize| {
        strides
            .get(k)
            .and_then(|s| s.get(axis))
            .copied()
            .unwrap_or(0)
    };
    let last = outer.len();
    let inner_steps: [usize; K] = std::array::from_fn(|k| step(k, last));
    let mut counter = vec![0usize; outer.len()];
    let mut base = [0usize; K];
    loop {
        let mut index = base;
        for _ in 0..inner {
            f(index);
            for (i, s) in index.iter_mut().zip(inner_steps) {
                *i = i.wrapping_add(s);
            }
        }
        let mut axis = outer.len();
        loop {
            if axis == 0 {
                return;
            }
            axis = axis.wrapping_sub(1);
            let (Some(c), Some(&d)) = (counter.get_mut(axis), outer.get(axis)) else {
                return;
            };
            *c = c.wrapping_add(1);
            let wrapped = *c >= d;
            if wrapped {
                *c = 0;
            }
            for (k, i) in base.iter_mut().enumerate() {
                let s = step(k, axis);
                *i = if wrapped {
                    i.wrapping_sub(s.wrapping_mul(d.wrapping_sub(1)))
                } else {
                    i.wrapping_add(s)
                };
            }
            if !wrapped {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_channel_operands_take_the_suffix_path() {
        let p = plan(&[2, 3, 4], &[4]).map(|b| b.plan);
        assert!(matches!(p, Ok(Plan::SuffixB { inner: 4 })));
        let p = plan(&[1, 3, 4], &[2, 3, 4]).map(|b| b.plan);
        assert!(matches!(p, Ok(Plan::SuffixA { inner: 12 })));
        // [2,3,4] * [3,1] is not a suffix: strided.
        let p = plan(&[2, 3, 4], &[3, 1]).map(|b| b.plan);
        assert!(matches!(p, Ok(Plan::Strided { .. })));
        // Per-row operands (layer norm) take the prefix path.
        let p = plan(&[2, 3, 4], &[2, 3, 1]).map(|b| b.plan);
        assert!(matches!(p, Ok(Plan::PrefixB { inner: 4 })));
        let p = plan(&[2, 1, 1], &[2, 3, 4]).map(|b| b.plan);
        assert!(matches!(p, Ok(Plan::PrefixA { inner: 12 })));
        // Lower rank is a suffix question, not a prefix one.
        let p = plan(&[2, 3, 4], &[3, 1]).map(|b| b.plan);
        assert!(matches!(p, Ok(Plan::Strided { .. })));
        // Both broadcast: strided.
        let p = plan(&[2, 1], &[1, 3]).map(|b| b.plan);
        assert!(matches!(p, Ok(Plan::Strided { .. })));
    }

    #[test]
    fn walks_three_operands_in_row_major_order() {
        // out [2, 3]: a [2, 1], b [3], c scalar.
        let out = [2usize, 3];
        let strides = [
            aligned_strides(&[2, 1], &out),
            aligned_strides(&[3], &out),
            aligned_strides(&[], &out),
        ];
        let mut seen = Vec::new();
        for_each_broadcast(&out, &strides, |i| seen.push(i));
        assert_eq!(
            seen,
            vec![
                [0, 0, 0],
                [0, 1, 0],
                [0, 2, 0],
                [1, 0, 0],
                [1, 1, 0],
                [1, 2, 0]
            ]
        );
    }

    #[test]
    fn scalar_and_empty_outputs() {
        let mut n = 0;
        for_each_broadcast::<1>(&[], &[Vec::new()], |_| n += 1);
        assert_eq!(n, 1);
        for_each_broadcast::<1>(&[3, 0], &[vec![0, 1]], |_| n += 1);
        assert_eq!(n, 1);
    }
}

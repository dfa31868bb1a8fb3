//! Output argument layouts of multi-output ops, needed to resolve function
//! body references of the form `node:arg_name:index` to a flat output
//! index. Ops not listed have one output list, so the index is used as is.

use ward_graph::{Attr, Node};

/// One output argument: its name and how many tensors it holds.
enum Count {
    One,
    /// Length of a list attribute (`T`, `Tout`, ...).
    ListAttr(&'static str),
    /// Value of an int attribute (`num_split`, `num`, `N`).
    IntAttr(&'static str),
}

fn layout(op: &str) -> Option<&'static [(&'static str, Count)]> {
    use Count::*;
    Some(match op {
        "Switch" | "RefSwitch" => &[("output_false", One), ("output_true", One)],
        "Merge" | "RefMerge" => &[("output", One), ("value_index", One)],
        "FusedBatchNorm" | "FusedBatchNormV2" => &[
            ("y", One),
            ("batch_mean", One),
            ("batch_variance", One),
            ("reserve_space_1", One),
            ("reserve_space_2", One),
        ],
        "FusedBatchNormV3" => &[
            ("y", One),
            ("batch_mean", One),
            ("batch_variance", One),
            ("reserve_space_1", One),
            ("reserve_space_2", One),
            ("reserve_space_3", One),
        ],
        "TopKV2" | "TopK" => &[("values", One), ("indices", One)],
        "Unique" => &[("y", One), ("idx", One)],
        "BroadcastGradientArgs" => &[("r0", One), ("r1", One)],
        "Split" | "SplitV" => &[("output", IntAttr("num_split"))],
        "Unpack" => &[("output", IntAttr("num"))],
        "ShapeN" => &[("output", IntAttr("N"))],
        "IdentityN" => &[("output", ListAttr("T"))],
        _ => return None,
    })
}

fn count(node: &Node, c: &Count) -> usize {
    match c {
        Count::One => 1,
        Count::ListAttr(a) => match node.attrs.get(*a) {
            Some(Attr::TypeList(v)) => v.len(),
            _ => 0,
        },
        Count::IntAttr(a) => match node.attrs.get(*a) {
            Some(Attr::Int(n)) => usize::try_from(*n).unwrap_or(0),
            _ => 0,
        },
    }
}

/// Flat output index of `arg[index]` on `node`; None if the arg is unknown
/// or the index is past its length.
pub fn flat_index(node: &Node, arg: &str, index: usize) -> Option<usize> {
    let Some(args) = layout(&node.op) else {
        return Some(index);
    };
    let mut base = 0usize;
    for (name, c) in args {
        let n = count(node, c);
        if *name == arg {
            return (index < n || matches!(c, Count::One) && index == 0)
                .then(|| base.checked_add(index))?;
        }
        base = base.checked_add(n)?;
    }
    None
}

//! Einsum: tensor contraction given by an equation such as "abc,cd->abd"
//! on one or two operands, with `...` for broadcast dims.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Einsum>
//!
//! Lowered to transpose + reshape + batched GEMM: every label is a batch
//! label (in both operands and the output), a free label of one operand
//! (in it and the output) or a contracted label (not in the output). Each
//! operand is gathered (a strided copy, skipped when it is already laid out
//! so) into `[batch, free, contracted]` (left) and `[batch, contracted,
//! free]` (right) order; repeated labels in one operand read its diagonal,
//! a label an operand lacks (or has with size 1 under `...`) is read with
//! stride 0. One batched GEMM gives `[batch, free_left, free_right]`, which
//! is permuted to the output order. A single operand multiplies a scalar 1.

use crate::prelude::*;
use crate::util::batch_matmul::BatchMatMulAttrs;
use crate::util::broadcast::for_each_broadcast;
use crate::util::matmul::MatMulElement;
use ward_tensor::DType::{BF16, F16, F32, F64, I32, I64};

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Einsum",
        inputs: Arity::IntAttr { attr: "N", base: 0 },
        outputs: Arity::Exact(1),
        types: &[type_attr("T", &[BF16, F16, F32, F64, I32, I64])],
        capability: Capability::Pure,
    },
    build,
};

/// One term of the equation: its letters, with `None` where `...` stands.
#[derive(Debug, Clone)]
struct Term {
    labels: Vec<Option<u8>>,
}

impl Term {
    fn parse(s: &str, equation: &str) -> Result<Term> {
        let bad = || Error::invalid_argument(format!("invalid einsum equation '{equation}'"));
        let mut labels = Vec::new();
        let mut rest = s.as_bytes();
        while let Some((&c, tail)) = rest.split_first() {
            if c == b'.' {
                let dots = rest.get(..3).ok_or_else(bad)?;
                if dots != b"..." || labels.contains(&None) {
                    return Err(bad());
                }
                labels.push(None);
                rest = rest.get(3..).ok_or_else(bad)?;
            } else if c.is_ascii_alphabetic() {
                labels.push(Some(c));
                rest = tail;
            } else if c == b' ' {
                rest = tail;
            } else {
                return Err(bad());
            }
        }
        Ok(Term { labels })
    }
    fn explicit(&self) -> usize {
        self.labels.iter().filter(|l| l.is_some()).count()
    }
    fn has_ellipsis(&self) -> bool {
        self.labels.contains(&None)
    }
}

#[derive(Debug)]
struct Einsum {
    inputs: Vec<Term>,
    output: Term,
    dtype: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    let equation = node.attrs.str_or("equation", "")?;
    let n = node.attrs.int("N")?;
    let parts: Vec<&str> = equation.split("->").collect();
    let [lhs, rhs] = parts.as_slice() else {
        return Err(Error::invalid_argument(format!(
            "Expecting exactly one '->' in einsum equation: {equation}"
        )));
    };
    let inputs = lhs
        .split(',')
        .map(|t| Term::parse(t, &equation))
        .collect::<Result<Vec<_>>>()?;
    if i64::try_from(inputs.len()).ok() != Some(n) {
        return Err(Error::invalid_argument(format!(
            "Expected {} inputs for equation {equation} but got: {n}",
            inputs.len()
        )));
    }
    if !(1..=2).contains(&inputs.len()) {
        return Err(Error::invalid_argument(format!(
            "Einsum supports one or two operands, got {}",
            inputs.len()
        )));
    }
    let output = Term::parse(rhs, &equation)?;
    for (i, l) in output.labels.iter().enumerate() {
        if output
            .labels
            .iter()
            .skip(i.saturating_add(1))
            .any(|m| m == l)
        {
            return Err(Error::invalid_argument(format!(
                "Einsum output subscripts for equation '{equation}' repeat a label"
            )));
        }
        let found = inputs.iter().any(|t| t.labels.contains(l));
        if !found {
            return Err(Error::invalid_argument(format!(
                "Einsum output subscripts for equation '{equation}' has a label which is not present in the input subscripts"
            )));
        }
    }
    Ok(Box::new(Einsum {
        inputs,
        output,
        dtype: node.attrs.dtype("T")?,
    }))
}

/// Label ids: letters by their byte, ellipsis dims 256 + position within
/// the (right-aligned) broadcast ellipsis.
type Label = usize;
const ELLIPSIS_BASE: usize = 256;

/// The plan for given operand shapes.
#[derive(Debug)]
struct Plan {
    /// Per operand, the label of each of its dims.
    operand_labels: Vec<Vec<Label>>,
    /// Size of each label (broadcast over the operands).
    sizes: std::collections::BTreeMap<Label, usize>,
    batch: Vec<Label>,
    free: [Vec<Label>; 2],
    contracted: Vec<Label>,
    output: Vec<Label>,
}

impl Einsum {
    /// Expands ellipses and checks ranks; dims may be unknown (`None`).
    fn labels(&self, ranks: &[usize]) -> Result<(Vec<Vec<Label>>, Vec<Label>)> {
        let mut ell_rank = 0usize;
        let mut per = Vec::new();
        for (term, &rank) in self.inputs.iter().zip(ranks) {
            let explicit = term.explicit();
            let own = if term.has_ellipsis() {
                rank.checked_sub(explicit).ok_or_else(|| {
                    Error::invalid_argument(format!(
                        "Shape must be at least rank {explicit} but is rank {rank}"
                    ))
                })?
            } else if rank != explicit {
                return Err(Error::invalid_argument(format!(
                    "Shape must be rank {explicit} but is rank {rank}"
                )));
            } else {
                0
            };
            ell_rank = ell_rank.max(own);
            per.push((term, own));
        }
        if ell_rank > 0 && !self.output.has_ellipsis() {
            return Err(Error::invalid_argument(format!(
                "Shape must be at most rank 0 but is rank {ell_rank}: einsum equation without ellipsis (...) in the output subscripts where input(s) have non-empty broadcasting shape"
            )));
        }
        let expand = |term: &Term, own: usize| -> Vec<Label> {
            let mut out = Vec::new();
            for l in &term.labels {
                match l {
                    Some(c) => out.push(usize::from(*c)),
                    None => out.extend(
                        (ell_rank.saturating_sub(own)..ell_rank)
                            .map(|i| ELLIPSIS_BASE.saturating_add(i)),
                    ),
                }
            }
            out
        };
        let operands = per.iter().map(|(t, own)| expand(t, *own)).collect();
        let output = expand(&self.output, ell_rank);
        Ok((operands, output))
    }

    fn plan(&self, shapes: &[&[usize]]) -> Result<Plan> {
        let ranks: Vec<usize> = shapes.iter().map(|s| s.len()).collect();
        let (operand_labels, output) = self.labels(&ranks)?;
        let mut sizes = std::collections::BTreeMap::new();
        for (labels, dims) in operand_labels.iter().zip(shapes) {
            for (&l, &d) in labels.iter().zip(dims.iter()) {
                let slot = sizes.entry(l).or_insert(d);
                if *slot != d {
                    if l >= ELLIPSIS_BASE && (*slot == 1 || d == 1) {
                        *slot = (*slot).max(d);
                    } else {
                        return Err(Error::invalid_argument(format!(
                            "Dimensions must be equal, but are {} and {d}",
                            *slot
                        )));
                    }
                }
            }
        }
        let in_op = |i: usize, l: Label| operand_labels.get(i).is_some_and(|v| v.contains(&l));
        let mut batch = Vec::new();
        let mut free = [Vec::new(), Vec::new()];
        for &l in &output {
            match (in_op(0, l), in_op(1, l)) {
                (true, true) => batch.push(l),
                (true, false) => free[0].push(l),
                (false, true) => free[1].push(l),
                (false, false) => {
                    // An output ellipsis dim no operand has: size 1.
                    sizes.entry(l).or_insert(1);
                    free[0].push(l);
                }
            }
        }
        let mut contracted = Vec::new();
        for labels in &operand_labels {
            for &l in labels {
                if !output.contains(&l) && !contracted.contains(&l) {
                    contracted.push(l);
                }
            }
        }
        Ok(Plan {
            operand_labels,
            sizes,
            batch,
            free,
            contracted,
            output,
        })
    }
}

impl Plan {
    fn size(&self, labels: &[Label]) -> Result<usize> {
        labels.iter().try_fold(1usize, |acc, l| {
            acc.checked_mul(self.sizes.get(l).copied().unwrap_or(1))
                .ok_or_else(|| Error::overflow("einsum size"))
        })
    }
    fn dims(&self, labels: &[Label]) -> Vec<usize> {
        labels
            .iter()
            .map(|l| self.sizes.get(l).copied().unwrap_or(1))
            .collect()
    }
}

/// Copies `src` (dims `src_dims`, one label per dim) into the row-major
/// layout `order` (labels; sizes from `plan`): repeated source labels read
/// the diagonal, labels the source lacks or has with size 1 repeat.
fn gather<T: Element>(
    ctx: &EvalCtx<'_>,
    plan: &Plan,
    src: &Tensor,
    src_labels: &[Label],
    order: &[Label],
) -> Result<Tensor> {
    let dims = plan.dims(order);
    let shape = Shape::new(dims.clone())?;
    let src_strides = src.shape().strides();
    let strides: Vec<usize> = order
        .iter()
        .zip(&dims)
        .map(|(l, &size)| {
            src_labels
                .iter()
                .zip(src.dims())
                .zip(&src_strides)
                .filter(|((sl, d), _)| *sl == l && !(**d == 1 && size != 1))
                .fold(0usize, |acc, (_, &s)| acc.saturating_add(s))
        })
        .collect();
    let contiguous = shape.strides();
    let same_labels = src_labels.len() == order.len()
        && src_labels.iter().zip(order).all(|(a, b)| a == b)
        && src.dims() == dims.as_slice();
    if same_labels || (src.len() == shape.len() && strides_match(&strides, &contiguous, &dims)) {
        return src.reshaped(shape);
    }
    let values = src.as_slice::<T>()?;
    let len = shape.num_elements()?;
    let (mut out, lease) = ctx.budget.alloc_empty::<T>(len, "Einsum operand")?;
    let mut bad = false;
    match (dims.split_last(), strides.split_last()) {
        // Innermost label contiguous in the source: copy whole runs.
        (Some((&inner, outer)), Some((1, outer_strides))) if inner > 1 => {
            for_each_broadcast(outer, &[outer_strides.to_vec()], |[i]| {
                match i.checked_add(inner).and_then(|end| values.get(i..end)) {
                    Some(run) => out.extend_from_slice(run),
                    None => bad = true,
                }
            });
        }
        // Innermost label strided (a transpose): one tight loop per run
        // instead of a call per element.
        (Some((&inner, outer)), Some((&step, outer_strides))) if inner > 1 && step > 1 => {
            for_each_broadcast(outer, &[outer_strides.to_vec()], |[i]| {
                let before = out.len();
                if let Some(rest) = values.get(i..) {
                    out.extend(rest.iter().step_by(step).take(inner));
                }
                bad |= out.len() != before.saturating_add(inner);
            });
        }
        _ => for_each_broadcast(&dims, &[strides], |[i]| match values.get(i) {
            Some(&v) => out.push(v),
            None => bad = true,
        }),
    }
    if bad || out.len() != len {
        return Err(Error::internal("einsum gather out of range"));
    }
    Tensor::from_vec(shape, out, Some(lease))
}

/// `x` (labels `labels`) summed over the labels `solo`, leaving the
/// labels `keep` in that order.
fn sum_out<T: Num>(
    ctx: &EvalCtx<'_>,
    plan: &Plan,
    x: &Tensor,
    labels: &[Label],
    keep: &[Label],
    solo: &[Label],
) -> Result<Tensor> {
    let order = [keep, solo].concat();
    let g = gather::<T>(ctx, plan, x, labels, &order)?;
    let run = plan.size(solo)?;
    let shape = Shape::new(plan.dims(keep))?;
    let len = shape.num_elements()?;
    let (mut out, lease) = ctx.budget.alloc_empty::<T>(len, "Einsum partial sum")?;
    if run > 0 {
        for chunk in g.as_slice::<T>()?.chunks(run) {
            out.push(chunk.iter().fold(T::ZERO, |acc, &v| acc.add(v)));
        }
    } else {
        out.resize(len, T::ZERO);
    }
    if out.len() != len {
        return Err(Error::internal("einsum partial sum has the wrong length"));
    }
    Tensor::from_vec(shape, out, Some(lease))
}

/// Whether strides equal the contiguous ones (ignoring size-1 dims).
fn strides_match(strides: &[usize], contiguous: &[usize], dims: &[usize]) -> bool {
    strides
        .iter()
        .zip(contiguous)
        .zip(dims)
        .all(|((s, c), &d)| d == 1 || s == c)
}

impl Kernel for Einsum {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        if inputs.len() != self.inputs.len() {
            return Err(Error::invalid_argument(format!(
                "Expected {} inputs but got {}",
                self.inputs.len(),
                inputs.len()
            )));
        }
        let dtype = inputs.iter().find_map(|i| i.dtype);
        let mut shapes = Vec::new();
        for i in inputs {
            match i.shape.concrete() {
                Some(s) => shapes.push(s),
                None => {
                    // Check ranks where known.
                    if let Some(r) = i.shape.rank()
                        && let Some(t) = self.inputs.get(shapes.len())
                        && !t.has_ellipsis()
                        && r != t.explicit()
                    {
                        return Err(Error::invalid_argument(format!(
                            "Shape must be rank {} but is rank {r}",
                            t.explicit()
                        )));
                    }
                    return Ok(vec![ValueInfo::of_opt(dtype, PartialShape::unknown())]);
                }
            }
        }
        let refs: Vec<&[usize]> = shapes.iter().map(Vec::as_slice).collect();
        let plan = self.plan(&refs)?;
        Ok(vec![ValueInfo::of_opt(
            dtype,
            PartialShape::known(&plan.dims(&plan.output)),
        )])
    }

    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        for (i, t) in inputs.iter().enumerate() {
            if t.dtype() != self.dtype {
                return Err(Error::invalid_argument(format!(
                    "input {i} has type {} but T is {}",
                    t.dtype(),
                    self.dtype
                )));
            }
        }
        match self.dtype {
            DType::F32 => one(self.run::<f32>(ctx, inputs)?),
            DType::F64 => one(self.run::<f64>(ctx, inputs)?),
            DType::F16 => one(self.run::<f16>(ctx, inputs)?),
            DType::BF16 => one(self.run::<bf16>(ctx, inputs)?),
            DType::I32 => one(self.run::<i32>(ctx, inputs)?),
            DType::I64 => one(self.run::<i64>(ctx, inputs)?),
            other => Err(Error::invalid_argument(format!(
                "Einsum does not support {other}"
            ))),
        }
    }
}

impl Einsum {
    fn run<T: MatMulElement + Num>(
        &self,
        ctx: &EvalCtx<'_>,
        inputs: Vec<Tensor>,
    ) -> Result<Tensor> {
        if inputs.len() != self.inputs.len() {
            return Err(Error::invalid_argument(format!(
                "Expected {} inputs but got {}",
                self.inputs.len(),
                inputs.len()
            )));
        }
        let shapes: Vec<&[usize]> = inputs.iter().map(Tensor::dims).collect();
        let mut plan = self.plan(&shapes)?;
        let mut inputs = inputs;
        if inputs.len() == 2 {
            // Labels only one operand has and the output lacks are summed
            // out of that operand first (never broadcast into the other).
            for i in 0..2 {
                let own = plan.operand_labels.get(i).cloned().unwrap_or_default();
                let other = plan
                    .operand_labels
                    .get(1_usize.saturating_sub(i))
                    .cloned()
                    .unwrap_or_default();
                let mut solo: Vec<Label> = Vec::new();
                let mut keep: Vec<Label> = Vec::new();
                for &l in &own {
                    let dst = if !other.contains(&l) && !plan.output.contains(&l) {
                        &mut solo
                    } else {
                        &mut keep
                    };
                    if !dst.contains(&l) {
                        dst.push(l);
                    }
                }
                if solo.is_empty() {
                    continue;
                }
                let x = inputs
                    .get(i)
                    .ok_or_else(|| Error::internal("einsum operand missing"))?;
                let reduced = sum_out::<T>(ctx, &plan, x, &own, &keep, &solo)?;
                if let Some(slot) = inputs.get_mut(i) {
                    *slot = reduced;
                }
                if let Some(labels) = plan.operand_labels.get_mut(i) {
                    *labels = keep;
                }
                plan.contracted.retain(|l| !solo.contains(l));
            }
        }
        let (a, b, b_labels) = match inputs.as_slice() {
            [a] => (a, Tensor::scalar(T::ONE), Vec::new()),
            [a, b] => (
                a,
                b.clone(),
                plan.operand_labels.get(1).cloned().unwrap_or_default(),
            ),
            _ => return Err(Error::invalid_argument("Einsum takes one or two inputs")),
        };
        let a_labels = plan.operand_labels.first().cloned().unwrap_or_default();
        let cat = |parts: &[&[Label]]| parts.concat();
        // When the output lists the second operand's free labels first
        // (attention scores, `aecd,abcd->acbe`), the operands swap places
        // so the product comes out in the output's order: gathering the
        // two small operands is cheaper than transposing the product.
        let [free_a, free_b] = &plan.free;
        let swap = plan.output == cat(&[&plan.batch, free_b, free_a])
            && plan.output != cat(&[&plan.batch, free_a, free_b]);
        let ((a, a_labels, free_a), (b, b_labels, free_b)) = if swap {
            ((&b, &b_labels, free_b), (a, &a_labels, free_a))
        } else {
            ((a, &a_labels, free_a), (&b, &b_labels, free_b))
        };
        let a_order = cat(&[&plan.batch, free_a, &plan.contracted]);
        let b_order = cat(&[&plan.batch, &plan.contracted, free_b]);
        let a_g = gather::<T>(ctx, &plan, a, a_labels, &a_order)?;
        let b_g = gather::<T>(ctx, &plan, b, b_labels, &b_order)?;
        let mut batch = plan.dims(&plan.batch);
        let (m, k, n) = (
            plan.size(free_a)?,
            plan.size(&plan.contracted)?,
            plan.size(free_b)?,
        );
        let mat = |x: usize, y: usize| {
            let mut d = batch.clone();
            d.push(x);
            d.push(y);
            Shape::new(d)
        };
        let a_m = a_g.reshaped(mat(m, k)?)?;
        let b_m = b_g.reshaped(mat(k, n)?)?;
        let product = BatchMatMulAttrs {
            adj_x: false,
            adj_y: false,
            broadcast: true,
        }
        .eval::<T>(ctx, &a_m, &b_m)?;
        let c_order = cat(&[&plan.batch, free_a, free_b]);
        batch.extend(plan.dims(free_a));
        batch.extend(plan.dims(free_b));
        let c = product.reshaped(Shape::new(batch)?)?;
        gather::<T>(ctx, &plan, &c, &c_order, &plan.output)
    }
}

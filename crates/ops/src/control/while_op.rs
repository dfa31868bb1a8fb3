//! While / StatelessWhile: runs `body` while `cond` holds, over a tuple of
//! loop variables. Every iteration counts against the run's loop cap and
//! checks the deadline, so a model cannot loop forever.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/While>

use crate::prelude::*;

pub const DEF: OpDef = OpDef {
    spec: spec("While"),
    build,
};

pub(crate) const fn spec(name: &'static str) -> OpSpec {
    OpSpec {
        name,
        inputs: Arity::ListAttrLen { attr: "T", base: 0 },
        outputs: Arity::ListAttrLen { attr: "T", base: 0 },
        types: &[],
        capability: Capability::Control,
    }
}

#[derive(Debug)]
struct While {
    cond: String,
    body: String,
}

pub(crate) fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(While {
        cond: node.attrs.func("cond")?.name.clone(),
        body: node.attrs.func("body")?.name.clone(),
    }))
}

/// TF's conversion of a predicate tensor to bool: a scalar is true when
/// nonzero; any other tensor is true when it has elements.
pub fn truthy(t: &Tensor) -> Result<bool> {
    if t.rank() != 0 {
        return Ok(!t.is_empty());
    }
    if let Ok(v) = t.as_slice::<bool>() {
        return Ok(v.first().copied().unwrap_or(false));
    }
    if t.dtype().is_int() {
        return Ok(t.to_i64_vec()?.first().is_some_and(|&v| v != 0));
    }
    with_float!(t.dtype(), T => Ok(t.as_slice::<T>()?.first().is_some_and(|v| *v != T::default())))
}

impl Kernel for While {
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let mut vars = inputs;
        loop {
            let cond = ctx.functions.call(&self.cond, vars.clone(), ctx)?;
            let [pred] = take(cond).map_err(|_| {
                Error::invalid_argument("While cond must return exactly one tensor")
            })?;
            if !truthy(&pred)? {
                return Ok(vars);
            }
            ctx.budget.tick_loop()?;
            let count = vars.len();
            let next = ctx.functions.call(&self.body, vars, ctx)?;
            if next.len() != count {
                return Err(Error::invalid_argument(format!(
                    "While body returned {} values for {count} loop variables",
                    next.len()
                )));
            }
            vars = next;
        }
    }
}

//! Generic kernels for simple elementwise ops, so that an op file holds
//! only its spec and its element function: [`Unary`] and [`Binary`] check
//! input types against the node's `T` attribute, infer shapes (binary ops
//! broadcast) and call the op's eval function.

use crate::kernel::{EvalCtx, Kernel, ValueInfo};
use crate::util::args::take;
use crate::util::elementwise::{binary, unary, unary_inplace};
use crate::util::float::{Float, Wide};
use crate::util::infer::broadcast_partial;
use std::cell::Cell;
use std::fmt;
use ward_graph::{Arity, AttrsExt, Capability, Node, OpSpec, TypeAttr, TypeConstraint};
use ward_tensor::{DType, Element, Error, Result, Tensor};

pub type UnaryFn = fn(&EvalCtx<'_>, Tensor) -> Result<Tensor>;
pub type BinaryFn = fn(&EvalCtx<'_>, Tensor, Tensor) -> Result<Tensor>;

/// The spec of a pure op with `inputs` inputs and one output.
pub const fn pure_spec(
    name: &'static str,
    inputs: usize,
    types: &'static [TypeConstraint],
) -> OpSpec {
    OpSpec {
        name,
        inputs: Arity::Exact(inputs),
        outputs: Arity::Exact(1),
        types,
        capability: Capability::Pure,
    }
}

/// The input dtype a node declares through its `T` attribute, if any.
fn declared(node: &Node) -> Result<Option<DType>> {
    match node.attrs.get_attr("T") {
        None => Ok(None),
        Some(_) => node.attrs.dtype("T").map(Some),
    }
}

/// Checks that input `i` has type `want` when both are known.
pub fn check_input(inputs: &[ValueInfo], i: usize, want: Option<DType>) -> Result<()> {
    let got = inputs.get(i).and_then(|v| v.dtype);
    match (want, got) {
        (Some(w), Some(g)) if TypeAttr::Data(w) != g => Err(Error::invalid_argument(format!(
            "input {i} has type {g} but the op expects {w}"
        ))),
        _ => Ok(()),
    }
}

/// A one-input elementwise op: the output has the input's shape and either
/// its type or `out`.
pub struct Unary {
    input: Option<DType>,
    out: Option<DType>,
    f: UnaryFn,
}

impl Unary {
    /// A kernel whose output has the input's type.
    pub fn boxed(node: &Node, f: UnaryFn) -> Result<Box<dyn Kernel>> {
        Ok(Box::new(Unary {
            input: declared(node)?,
            out: None,
            f,
        }))
    }
    /// A kernel whose output is `out`, e.g. a bool predicate.
    pub fn boxed_to(node: &Node, out: DType, f: UnaryFn) -> Result<Box<dyn Kernel>> {
        Ok(Box::new(Unary {
            input: declared(node)?,
            out: Some(out),
            f,
        }))
    }
    /// A kernel on inputs of a fixed type (ops without a `T` attribute).
    pub fn boxed_fixed(dtype: DType, f: UnaryFn) -> Result<Box<dyn Kernel>> {
        Ok(Box::new(Unary {
            input: Some(dtype),
            out: Some(dtype),
            f,
        }))
    }
}

impl fmt::Debug for Unary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unary")
            .field("input", &self.input)
            .field("out", &self.out)
            .finish_non_exhaustive()
    }
}

impl Kernel for Unary {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, self.input)?;
        let x = inputs
            .first()
            .ok_or_else(|| Error::invalid_argument("missing input 0"))?;
        let dtype = match self.out {
            Some(d) => Some(TypeAttr::Data(d)),
            None => x.dtype.or(self.input.map(TypeAttr::Data)),
        };
        Ok(vec![ValueInfo::of_opt(dtype, x.shape.clone())])
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x] = take(inputs)?;
        if let Some(want) = self.input
            && x.dtype() != want
        {
            return Err(Error::invalid_argument(format!(
                "input has type {} but the op expects {want}",
                x.dtype()
            ))
            .at_input(0));
        }
        Ok(vec![(self.f)(ctx, x)?])
    }
}

/// A two-input elementwise op with NumPy broadcasting: both inputs have
/// the same type; the output has that type or `out`.
pub struct Binary {
    input: Option<DType>,
    out: Option<DType>,
    f: BinaryFn,
}

impl Binary {
    /// A kernel whose output has the inputs' type.
    pub fn boxed(node: &Node, f: BinaryFn) -> Result<Box<dyn Kernel>> {
        Ok(Box::new(Binary {
            input: declared(node)?,
            out: None,
            f,
        }))
    }
    /// A kernel whose output is `out`, e.g. a bool comparison.
    pub fn boxed_to(node: &Node, out: DType, f: BinaryFn) -> Result<Box<dyn Kernel>> {
        Ok(Box::new(Binary {
            input: declared(node)?,
            out: Some(out),
            f,
        }))
    }
    /// A kernel on inputs of a fixed type (ops without a `T` attribute).
    pub fn boxed_fixed(dtype: DType, f: BinaryFn) -> Result<Box<dyn Kernel>> {
        Ok(Box::new(Binary {
            input: Some(dtype),
            out: Some(dtype),
            f,
        }))
    }
}

impl fmt::Debug for Binary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Binary")
            .field("input", &self.input)
            .field("out", &self.out)
            .finish_non_exhaustive()
    }
}

impl Kernel for Binary {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        let (Some(a), Some(b)) = (inputs.first(), inputs.get(1)) else {
            return Err(Error::invalid_argument("expected 2 inputs"));
        };
        check_input(inputs, 0, self.input)?;
        check_input(inputs, 1, self.input)?;
        if let (Some(da), Some(db)) = (a.dtype, b.dtype)
            && da != db
        {
            return Err(Error::invalid_argument(format!(
                "inputs have different types: {da} and {db}"
            )));
        }
        let dtype = match self.out {
            Some(d) => Some(TypeAttr::Data(d)),
            None => a.dtype.or(b.dtype).or(self.input.map(TypeAttr::Data)),
        };
        Ok(vec![ValueInfo::of_opt(
            dtype,
            broadcast_partial(&a.shape, &b.shape)?,
        )])
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x, y] = take(inputs)?;
        for (i, t) in [&x, &y].into_iter().enumerate() {
            let want = self.input.unwrap_or(x.dtype());
            if t.dtype() != want {
                return Err(Error::invalid_argument(format!(
                    "input has type {} but the op expects {want}",
                    t.dtype()
                ))
                .at_input(i));
            }
        }
        Ok(vec![(self.f)(ctx, x, y)?])
    }
}

/// Maps a float tensor elementwise through its compute type (f32 for the
/// half types, rounding once). Subnormal inputs count as zero, as on TF's
/// CPU threads.
pub fn float_map<T: Float>(
    ctx: &EvalCtx<'_>,
    x: Tensor,
    f: impl Fn(T::Wide) -> T::Wide,
) -> Result<Tensor> {
    unary_inplace::<T>(ctx, x, |v| T::narrow(f(v.widen().flush())))
}

/// Subnormals to signed zero (DAZ), branch-free.
#[inline(always)]
pub fn flush_f32(v: f32) -> f32 {
    if v.abs() < f32::MIN_POSITIVE {
        0.0f32.copysign(v)
    } else {
        v
    }
}

/// [`float_map`] for float32 with a bulk function, in place when possible.
/// A macro, not a function taking `impl Fn`: calling `$f` by path lets its
/// `#[inline(always)]` body land in the loop (through an `Fn` shim it
/// would stay a call per element and never vectorize).
#[macro_export]
macro_rules! float_map_f32 {
    ($ctx:expr, $x:expr, $f:path) => {{
        let mut x: ward_tensor::Tensor = $x;
        if let Some(values) = x.unique_slice_mut::<f32>() {
            $crate::util::simd::map_in_place(
                values,
                #[inline(always)]
                |v| $f($crate::util::simple::flush_f32(v)),
            );
            Ok(x)
        } else {
            let xs = x.as_slice::<f32>()?;
            let (mut out, lease) =
                $ctx.budget
                    .alloc_vec::<f32>(xs.len(), 0.0, "elementwise output")?;
            $crate::util::simd::map_into(
                xs,
                &mut out,
                #[inline(always)]
                |v| $f($crate::util::simple::flush_f32(v)),
            );
            ward_tensor::Tensor::from_vec(x.shape().clone(), out, Some(lease))
        }
    }};
}

/// A bool tensor of `f` applied to each float element's compute value.
pub fn float_test<T: Float>(
    ctx: &EvalCtx<'_>,
    x: &Tensor,
    f: impl Fn(T::Wide) -> bool,
) -> Result<Tensor> {
    unary::<T, bool>(ctx, x, |v| f(v.widen()))
}

/// Like [`binary`] for a function that may reject an element pair; the
/// first rejection becomes InvalidArgument with `message`.
pub fn binary_checked<T: Element>(
    ctx: &EvalCtx<'_>,
    x: &Tensor,
    y: &Tensor,
    message: &str,
    f: impl Fn(T, T) -> Option<T>,
) -> Result<Tensor> {
    let failed = Cell::new(false);
    let out = binary::<T, T>(ctx, x, y, |a, b| {
        f(a, b).unwrap_or_else(|| {
            failed.set(true);
            T::default()
        })
    })?;
    if failed.get() {
        return Err(Error::invalid_argument(message));
    }
    Ok(out)
}

/// Declares `DEF` for a unary float op (types F16, BF16, F32, F64) that
/// computes `$f`, a function of `W: Wide`, on the compute type; subnormal
/// inputs count as zero (see [`float_map`]). For op files in this crate:
/// `crate::float_unary_op!("Exp", Wide::exp);`
#[macro_export]
macro_rules! float_unary_op {
    // With a bulk f32 function: float32 tensors take a tight loop over it
    // (it must be `#[inline(always)]` and branch-free to vectorize).
    ($name:literal, $f:expr, f32: $fast:path) => {
        pub const DEF: $crate::kernel::OpDef = $crate::kernel::OpDef {
            spec: $crate::util::simple::pure_spec(
                $name,
                1,
                &[$crate::prelude::type_attr("T", $crate::prelude::FLOAT)],
            ),
            build: |node| {
                $crate::util::simple::Unary::boxed(node, |ctx, x| {
                    if x.dtype() == ward_tensor::DType::F32 {
                        return $crate::float_map_f32!(ctx, x, $fast);
                    }
                    $crate::with_float!(x.dtype(), T => $crate::util::simple::float_map::<T>(ctx, x, $f))
                })
            },
        };
    };
    ($name:literal, $f:expr) => {
        pub const DEF: $crate::kernel::OpDef = $crate::kernel::OpDef {
            spec: $crate::util::simple::pure_spec(
                $name,
                1,
                &[$crate::prelude::type_attr("T", $crate::prelude::FLOAT)],
            ),
            build: |node| {
                $crate::util::simple::Unary::boxed(node, |ctx, x| {
                    $crate::with_float!(x.dtype(), T => $crate::util::simple::float_map::<T>(ctx, x, $f))
                })
            },
        };
    };
}

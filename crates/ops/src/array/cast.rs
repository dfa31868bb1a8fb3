//! Cast: converts every element from `SrcT` to `DstT` with TF's x86 CPU
//! semantics: float→int truncates, and NaN, ±Inf and out-of-range values
//! become INT_MIN (int32/int64; narrower and uint32 types go through int32
//! and wrap, uint64 through int64); float→bool is `x != 0` with subnormals
//! as zero; integer→half types round through f32; `Truncate` truncates the
//! mantissa for float32→bfloat16/float16.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Cast>

use crate::prelude::*;
use crate::util::layout::{ELEMENTS, folded};
use crate::util::simple::check_input;
use ward_tensor::Budget;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Cast",
        inputs: Arity::Exact(1),
        outputs: Arity::Exact(1),
        types: &[type_attr("SrcT", ELEMENTS), type_attr("DstT", ELEMENTS)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Cast {
    src: DType,
    dst: DType,
    truncate: bool,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Cast {
        src: node.attrs.dtype("SrcT")?,
        dst: node.attrs.dtype("DstT")?,
        truncate: node.attrs.bool_or("Truncate", false)?,
    }))
}

/// Float → int32 as `cvttss2si`: INT_MIN for NaN and out-of-range.
#[allow(clippy::cast_possible_truncation)]
fn f2i32(x: f64) -> i32 {
    let t = x.trunc();
    if (-2_147_483_648.0..2_147_483_648.0).contains(&t) {
        t as i32
    } else {
        i32::MIN
    }
}

/// Float → int64 as `cvttsd2si`: INT_MIN for NaN and out-of-range.
#[allow(clippy::cast_possible_truncation)]
fn f2i64(x: f64) -> i64 {
    let t = x.trunc();
    if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&t) {
        t as i64
    } else {
        i64::MIN
    }
}

/// f32 with subnormals flushed to (signed) zero, as under TF's FTZ.
fn ftz32(v: f32) -> f32 {
    if v.is_subnormal() {
        0.0_f32.copysign(v)
    } else {
        v
    }
}

/// A destination element type.
trait Dst: Element {
    /// From an integer source value.
    fn from_int(v: i128) -> Self;
    /// From a float source value (exact in f64).
    fn from_float(v: f64) -> Self;
    fn from_bool(b: bool) -> Self;
    /// From a float64 source (TF's double kernels saturate into the
    /// narrow integer types instead of wrapping).
    fn from_double(v: f64) -> Self {
        Self::from_float(v)
    }
}

macro_rules! int_dst {
    ($via:ident, $narrow:literal; $($t:ty),*) => {$(
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_possible_wrap)]
        impl Dst for $t {
            fn from_int(v: i128) -> Self { v as $t }
            fn from_float(v: f64) -> Self { $via(v) as $t }
            fn from_bool(b: bool) -> Self { <$t>::from(b) }
            fn from_double(v: f64) -> Self {
                if $narrow { narrow_double::<$t>(v) } else { Self::from_float(v) }
            }
        }
    )*};
}

/// float64 → a narrow integer: int32 conversion, then saturation.
fn narrow_double<T: TryFrom<i32> + Bounded>(v: f64) -> T {
    let i = f2i32(v);
    T::try_from(i).unwrap_or(if i < 0 { T::LOW } else { T::HIGH })
}

/// Saturation bounds of the narrow integer types.
trait Bounded: Sized {
    const LOW: Self;
    const HIGH: Self;
}
macro_rules! bounded {
    ($($t:ty),*) => {$(
        impl Bounded for $t {
            const LOW: $t = <$t>::MIN;
            const HIGH: $t = <$t>::MAX;
        }
    )*};
}
bounded!(i8, i16, u8, u16, i32, u32, i64, u64);
int_dst!(f2i32, true; i8, i16, u8, u16);
int_dst!(f2i32, false; i32, u32);
int_dst!(f2i64, false; i64, u64);

#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
impl Dst for f32 {
    fn from_int(v: i128) -> Self {
        v as f32
    }
    fn from_float(v: f64) -> Self {
        v as f32
    }
    fn from_bool(b: bool) -> Self {
        f32::from(u8::from(b))
    }
}

#[allow(clippy::cast_precision_loss)]
impl Dst for f64 {
    fn from_int(v: i128) -> Self {
        v as f64
    }
    fn from_float(v: f64) -> Self {
        v
    }
    fn from_bool(b: bool) -> Self {
        f64::from(u8::from(b))
    }
}

macro_rules! half_dst {
    ($($t:ty),*) => {$(
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
        impl Dst for $t {
            fn from_int(v: i128) -> Self { <$t>::from_f32(v as f32) }
            fn from_float(v: f64) -> Self { <$t>::from_f32(ftz32(v as f32)) }
            fn from_bool(b: bool) -> Self { <$t>::from_f32(f32::from(u8::from(b))) }
        }
    )*};
}
half_dst!(f16, bf16);

impl Dst for bool {
    fn from_int(v: i128) -> Self {
        v != 0
    }
    fn from_float(v: f64) -> Self {
        // NaN is true; subnormals are zero to TF's DAZ compare.
        v.is_nan() || v.is_infinite() || v.is_normal()
    }
    fn from_bool(b: bool) -> Self {
        b
    }
}

/// A source element type.
trait Src: Element {
    fn cast<D: Dst>(self) -> D;
}

macro_rules! int_src {
    ($($t:ty),*) => {$(
        impl Src for $t {
            fn cast<D: Dst>(self) -> D { D::from_int(i128::from(self)) }
        }
    )*};
}
int_src!(i8, i16, i32, i64, u8, u16, u32, u64);

macro_rules! float_src {
    ($($t:ty),*) => {$(
        impl Src for $t {
            fn cast<D: Dst>(self) -> D { D::from_float(f64::from(self)) }
        }
    )*};
}
float_src!(f32);

impl Src for f64 {
    fn cast<D: Dst>(self) -> D {
        D::from_double(self)
    }
}

impl Src for f16 {
    fn cast<D: Dst>(self) -> D {
        D::from_float(self.to_f64())
    }
}
impl Src for bf16 {
    fn cast<D: Dst>(self) -> D {
        D::from_float(self.to_f64())
    }
}
impl Src for bool {
    fn cast<D: Dst>(self) -> D {
        D::from_bool(self)
    }
}

/// `f` applied to every element, into a budgeted buffer.
fn map<S: Element, D: Element>(budget: &Budget, x: &Tensor, f: impl Fn(S) -> D) -> Result<Tensor> {
    let xs = x.as_slice::<S>()?;
    let (mut out, lease) = budget.alloc_empty::<D>(xs.len(), "Cast output")?;
    out.extend(xs.iter().map(|&v| f(v)));
    Tensor::from_vec(x.shape().clone(), out, Some(lease))
}

/// float32 → bfloat16 by dropping the low mantissa bits.
fn truncate_bf16(v: f32) -> bf16 {
    if v.is_nan() {
        return bf16::NAN;
    }
    let bits = v.to_bits().checked_shr(16).unwrap_or(0);
    bf16::from_bits(u16::try_from(bits).unwrap_or(0))
}

/// float32 → float16 rounding toward zero.
fn truncate_f16(v: f32) -> f16 {
    if v.is_nan() {
        return f16::NAN;
    }
    let r = f16::from_f32(v);
    if r.is_infinite() || r.to_f32().abs() <= v.abs() {
        return r;
    }
    // Rounded away from zero: step one ulp back toward zero.
    f16::from_bits(r.to_bits().saturating_sub(1))
}

impl Kernel for Cast {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.src))?;
        let shape = inputs
            .first()
            .map_or(PartialShape::unknown(), |x| x.shape.clone());
        // Casts of small constants (shape arithmetic) fold.
        let info = ValueInfo::of(TypeAttr::Data(self.dst), shape);
        Ok(folded(vec![info], inputs, |b, t| {
            let [x] = take(t)?;
            one(self.run(b, x)?)
        }))
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x] = take(inputs)?;
        one(self.run(ctx.budget, x)?)
    }
}

impl Cast {
    fn run(&self, budget: &Budget, x: Tensor) -> Result<Tensor> {
        if x.dtype() != self.src {
            return Err(Error::invalid_argument(format!(
                "input has type {} but SrcT is {}",
                x.dtype(),
                self.src
            ))
            .at_input(0));
        }
        if self.src == self.dst {
            return Ok(x);
        }
        // TF truncates float32 -> bfloat16/float16 and float64 -> float16
        // (through a rounded f32); other pairs round as usual.
        if self.truncate
            && matches!(
                (self.src, self.dst),
                (DType::F32, DType::BF16 | DType::F16) | (DType::F64, DType::F16)
            )
        {
            let wide = if self.src == DType::F32 {
                x
            } else {
                crate::with_float!(x.dtype(), S => map::<S, f32>(budget, &x, Src::cast))?
            };
            return if self.dst == DType::BF16 {
                map::<f32, bf16>(budget, &wide, truncate_bf16)
            } else {
                map::<f32, f16>(budget, &wide, truncate_f16)
            };
        }
        let dst = self.dst;
        crate::with_element!(x.dtype(), S => crate::with_element!(dst, D => map::<S, D>(budget, &x, Src::cast)))
    }
}

//! Floating-point element types and the precision they compute in: f32 and
//! f64 natively, f16 and bf16 widened to f32 (as TF's CPU kernels do).

use ward_tensor::{Element, bf16, f16};

/// The arithmetic type a float element computes in.
pub trait Wide:
    Copy
    + PartialOrd
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
    + std::ops::Div<Output = Self>
    + std::ops::Neg<Output = Self>
{
    const ZERO_W: Self;
    const ONE_W: Self;
    const NEG_INF: Self;
    fn exp(self) -> Self;
    fn ln(self) -> Self;
    fn sqrt(self) -> Self;
    fn tanh(self) -> Self;
    fn from_f64(v: f64) -> Self;
    fn to_f64(self) -> f64;
    fn is_nan(self) -> bool;
    fn is_infinite(self) -> bool;
    fn is_finite(self) -> bool;
    fn abs(self) -> Self;
    fn exp_m1(self) -> Self;
    fn ln_1p(self) -> Self;
    fn sin(self) -> Self;
    fn cos(self) -> Self;
    fn floor(self) -> Self;
    fn ceil(self) -> Self;
    fn round_ties_even(self) -> Self;
    fn powf(self, e: Self) -> Self;
    /// `fmod`: the remainder with the sign of `self`.
    fn rem(self, other: Self) -> Self;
    /// Whether TF's erf is NaN once `x * x` overflows (Eigen's float64
    /// kernel: ±inf and |x| > ~1.34e154 give NaN there).
    const ERF_NAN_WHEN_SQUARE_OVERFLOWS: bool;
    /// Whether ward's log of a negative subnormal is NaN (as TF's recorded
    /// float32 results; see math/log.rs) rather than -inf (float64).
    const LOG_NAN_FOR_NEGATIVE_SUBNORMAL: bool;
    /// f32 (rather than f64) arithmetic.
    const SINGLE: bool;
    fn is_subnormal(self) -> bool;
    fn is_sign_negative(self) -> bool;
    /// Subnormal values become zero of the same sign, as TF's CPU threads
    /// treat them (DAZ) even where the math library would not.
    fn flush(self) -> Self;
    /// `exp` for bulk use (softmax): a vectorizable polynomial in f32
    /// (max error ~2 ulp, like Eigen's), the math library's exp in f64.
    fn exp_fast(self) -> Self;
    /// `self · a + b` rounded once. Only for code run under
    /// `util::simd::vectorized` (one FMA instruction there; a library call
    /// on a CPU without FMA).
    fn mul_add(self, a: Self, b: Self) -> Self;
    /// The error function: TF's float kernels use Eigen's rational
    /// approximation, and so does ward for f32 (and the half types, which
    /// compute in f32); f64 is computed to ~1e-13.
    #[inline(always)]
    fn erf(self) -> Self {
        if Self::SINGLE {
            #[allow(clippy::cast_possible_truncation)]
            let x = self.to_f64() as f32;
            return Self::from_f64(f64::from(crate::util::special::erf_f32(x)));
        }
        let x = self.to_f64();
        if Self::ERF_NAN_WHEN_SQUARE_OVERFLOWS && x.abs() > f64::MAX.sqrt() {
            return Self::from_f64(f64::NAN);
        }
        Self::from_f64(crate::util::special::erf(x))
    }
    /// The complementary error function: f32 (and the half types) by a
    /// fitted form with relative error ~1e-6, f64 to ~1e-13.
    #[inline(always)]
    fn erfc(self) -> Self {
        if Self::SINGLE {
            #[allow(clippy::cast_possible_truncation)]
            let x = self.to_f64() as f32;
            return Self::from_f64(f64::from(crate::util::special::erfc_f32(x)));
        }
        Self::from_f64(crate::util::special::erfc(self.to_f64()))
    }
}

macro_rules! wide {
    ($t:ty, $erf_nan:expr, $log_nan:expr, $single:expr, $exp_fast:path) => {
        impl Wide for $t {
            const ERF_NAN_WHEN_SQUARE_OVERFLOWS: bool = $erf_nan;
            const LOG_NAN_FOR_NEGATIVE_SUBNORMAL: bool = $log_nan;
            const SINGLE: bool = $single;
            #[inline(always)]
            fn exp_fast(self) -> Self {
                $exp_fast(self)
            }
            #[inline(always)]
            fn mul_add(self, a: Self, b: Self) -> Self {
                <$t>::mul_add(self, a, b)
            }
            fn is_subnormal(self) -> bool {
                <$t>::is_subnormal(self)
            }
            fn is_sign_negative(self) -> bool {
                <$t>::is_sign_negative(self)
            }
            fn flush(self) -> Self {
                if self.is_subnormal() {
                    <$t>::copysign(0.0, self)
                } else {
                    self
                }
            }
            const ZERO_W: Self = 0.0;
            const ONE_W: Self = 1.0;
            const NEG_INF: Self = <$t>::NEG_INFINITY;
            fn exp(self) -> Self {
                <$t>::exp(self)
            }
            fn ln(self) -> Self {
                <$t>::ln(self)
            }
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            fn tanh(self) -> Self {
                <$t>::tanh(self)
            }
            #[allow(clippy::cast_possible_truncation)]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[allow(clippy::cast_lossless)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            fn is_infinite(self) -> bool {
                <$t>::is_infinite(self)
            }
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            fn exp_m1(self) -> Self {
                <$t>::exp_m1(self)
            }
            fn ln_1p(self) -> Self {
                <$t>::ln_1p(self)
            }
            fn sin(self) -> Self {
                <$t>::sin(self)
            }
            fn cos(self) -> Self {
                <$t>::cos(self)
            }
            fn floor(self) -> Self {
                <$t>::floor(self)
            }
            fn ceil(self) -> Self {
                <$t>::ceil(self)
            }
            fn round_ties_even(self) -> Self {
                <$t>::round_ties_even(self)
            }
            fn powf(self, e: Self) -> Self {
                <$t>::powf(self, e)
            }
            #[allow(clippy::arithmetic_side_effects)]
            fn rem(self, other: Self) -> Self {
                self % other
            }
        }
    };
}
wide!(f32, false, true, true, crate::util::special::exp_f32);
wide!(f64, true, false, false, f64::exp);

pub trait Float: Element {
    type Wide: Wide;
    /// Machine epsilon of the element type (not of its compute type).
    const EPSILON: f64;
    fn widen(self) -> Self::Wide;
    fn narrow(v: Self::Wide) -> Self;
    /// NaN-propagating max, as Eigen's reductions behave for softmax.
    fn wide_max(a: Self::Wide, b: Self::Wide) -> Self::Wide {
        if a.is_nan() || b > a { b } else { a }
    }
    /// The values as f32 when they are, for kernels written for f32 only.
    fn as_f32(_values: &[Self]) -> Option<&[f32]> {
        None
    }
    fn as_f32_mut(_values: &mut [Self]) -> Option<&mut [f32]> {
        None
    }
}

impl Float for f32 {
    const EPSILON: f64 = 1.192_092_895_507_812_5e-7;
    type Wide = f32;
    fn widen(self) -> f32 {
        self
    }
    fn narrow(v: f32) -> Self {
        v
    }
    fn as_f32(values: &[f32]) -> Option<&[f32]> {
        Some(values)
    }
    fn as_f32_mut(values: &mut [f32]) -> Option<&mut [f32]> {
        Some(values)
    }
}
impl Float for f64 {
    const EPSILON: f64 = f64::EPSILON;
    type Wide = f64;
    fn widen(self) -> f64 {
        self
    }
    fn narrow(v: f64) -> Self {
        v
    }
}
impl Float for f16 {
    const EPSILON: f64 = 0.000_976_562_5;
    type Wide = f32;
    fn widen(self) -> f32 {
        self.to_f32()
    }
    fn narrow(v: f32) -> Self {
        f16::from_f32(v)
    }
}
impl Float for bf16 {
    const EPSILON: f64 = 0.007_812_5;
    type Wide = f32;
    fn widen(self) -> f32 {
        self.to_f32()
    }
    fn narrow(v: f32) -> Self {
        bf16::from_f32(v)
    }
}

//! Elementwise arithmetic beyond [`Num`] with TensorFlow's CPU semantics for
//! every numeric dtype: integer division truncates (Div) or floors
//! (FloorDiv, FloorMod), division by zero is reported (`None`) rather than
//! trapping, `MIN / -1` wraps to `MIN` (and `MIN % -1` is 0), negation and
//! abs wrap; half types compute in f32 and round once.

use crate::util::float::Wide;
use crate::util::num::Num;
use ward_tensor::{bf16, f16};

pub trait Arith: Num {
    /// The value comparisons see: the element itself, or f32 for the half
    /// types (so bfloat16 subnormals compare as zero, as under TF's DAZ).
    type Key: PartialOrd + Copy;
    fn key(self) -> Self::Key;
    /// `x / y`, truncating for integers; `None` on integer division by zero.
    fn div(self, y: Self) -> Option<Self>;
    /// `floor(x / y)`; `None` on integer division by zero.
    fn floor_div(self, y: Self) -> Option<Self>;
    /// Remainder with the sign of `y`; `None` on integer division by zero.
    fn floor_mod(self, y: Self) -> Option<Self>;
    /// `x ^ y`; `None` for an integer raised to a negative power.
    fn pow(self, y: Self) -> Option<Self>;
    /// NaN-propagating maximum.
    fn max(self, y: Self) -> Self;
    /// NaN-propagating minimum.
    fn min(self, y: Self) -> Self;
    fn neg(self) -> Self;
    fn abs(self) -> Self;
    /// -1, 0 or 1 (NaN for NaN).
    fn sign(self) -> Self;
}

macro_rules! signed_int {
    ($($t:ty),*) => {$(
        impl Arith for $t {
            type Key = $t;
            fn key(self) -> $t {
                self
            }
            fn div(self, y: Self) -> Option<Self> {
                // Only MIN / -1 overflows; it wraps to MIN.
                (y != 0).then(|| self.checked_div(y).unwrap_or(<$t>::MIN))
            }
            fn floor_div(self, y: Self) -> Option<Self> {
                if y == 0 {
                    return None;
                }
                let q = self.checked_div(y).unwrap_or(<$t>::MIN);
                let r = self.checked_rem(y).unwrap_or(0);
                // Round toward negative infinity when the signs differ.
                Some(if r != 0 && ((r < 0) != (y < 0)) { q.wrapping_sub(1) } else { q })
            }
            fn floor_mod(self, y: Self) -> Option<Self> {
                if y == 0 {
                    return None;
                }
                let r = self.checked_rem(y).unwrap_or(0);
                Some(if r != 0 && ((r < 0) != (y < 0)) { r.wrapping_add(y) } else { r })
            }
            fn pow(self, y: Self) -> Option<Self> {
                if y < 0 {
                    return None;
                }
                Some(int_pow(self, y.unsigned_abs().into()))
            }
            fn max(self, y: Self) -> Self {
                Ord::max(self, y)
            }
            fn min(self, y: Self) -> Self {
                Ord::min(self, y)
            }
            fn neg(self) -> Self {
                self.wrapping_neg()
            }
            fn abs(self) -> Self {
                self.wrapping_abs()
            }
            fn sign(self) -> Self {
                self.signum()
            }
        }
    )*};
}
signed_int!(i8, i16, i32, i64);

macro_rules! unsigned_int {
    ($($t:ty),*) => {$(
        impl Arith for $t {
            type Key = $t;
            fn key(self) -> $t {
                self
            }
            fn div(self, y: Self) -> Option<Self> {
                self.checked_div(y)
            }
            fn floor_div(self, y: Self) -> Option<Self> {
                self.checked_div(y)
            }
            fn floor_mod(self, y: Self) -> Option<Self> {
                self.checked_rem(y)
            }
            fn pow(self, y: Self) -> Option<Self> {
                Some(int_pow(self, y.into()))
            }
            fn max(self, y: Self) -> Self {
                Ord::max(self, y)
            }
            fn min(self, y: Self) -> Self {
                Ord::min(self, y)
            }
            fn neg(self) -> Self {
                self.wrapping_neg()
            }
            fn abs(self) -> Self {
                self
            }
            fn sign(self) -> Self {
                Self::from(self != 0)
            }
        }
    )*};
}
unsigned_int!(u8, u16, u32, u64);

/// `base ^ exp` by repeated squaring, wrapping on overflow.
fn int_pow<T: Num>(base: T, exp: u64) -> T {
    let (mut acc, mut b, mut e) = (T::ONE, base, exp);
    while e > 0 {
        if e & 1 == 1 {
            acc = acc.mul(b);
        }
        e >>= 1;
        if e > 0 {
            b = b.mul(b);
        }
    }
    acc
}

/// Float semantics shared by all four float types, on the compute type.
macro_rules! float_ops {
    ($flush_pow:expr) => {
        type Key = <Self as Compute>::F;
        fn key(self) -> Self::Key {
            // Subnormals compare as zero, as under TF's DAZ. Done on the
            // bits: whether the CPU's DAZ flag applies to a comparison
            // depends on how the compiler lowered it.
            let v = Self::f(self);
            if v.is_subnormal() { 0.0 } else { v }
        }
        fn div(self, y: Self) -> Option<Self> {
            Some(Self::w(Self::f(self) / Self::f(y)))
        }
        fn floor_div(self, y: Self) -> Option<Self> {
            // The quotient rounds to the element type first (TF floors a
            // half-precision quotient).
            Some(Self::w(
                Self::f(Self::w(Self::f(self) / Self::f(y))).floor(),
            ))
        }
        fn floor_mod(self, y: Self) -> Option<Self> {
            // fmod comes from libm, which would see subnormals that TF's
            // CPU threads treat as zero (DAZ): x % subnormal is NaN there.
            let (x, y) = (Self::f(self).flush(), Self::f(y).flush());
            let r = x % y;
            Some(Self::w(if r != 0.0 && ((y < 0.0) != (r < 0.0)) {
                r + y
            } else {
                r
            }))
        }
        fn pow(self, y: Self) -> Option<Self> {
            // pow comes from libm, which would see subnormals that TF's
            // vectorized f32/f64 kernel treats as zero (DAZ); its half-type
            // kernel calls libm per element, like ward.
            let (x, y) = (Self::f(self), Self::f(y));
            Some(Self::w(if $flush_pow {
                x.flush().powf(y.flush())
            } else {
                x.powf(y)
            }))
        }
        fn max(self, y: Self) -> Self {
            let (a, b) = (Self::f(self), Self::f(y));
            if a.is_nan() || b.is_nan() {
                Self::w(a + b)
            } else if a < b {
                y
            } else {
                self
            }
        }
        fn min(self, y: Self) -> Self {
            let (a, b) = (Self::f(self), Self::f(y));
            if a.is_nan() || b.is_nan() {
                Self::w(a + b)
            } else if b < a {
                y
            } else {
                self
            }
        }
        fn neg(self) -> Self {
            -self
        }
        fn abs(self) -> Self {
            Self::w(Self::f(self).abs())
        }
        fn sign(self) -> Self {
            let v = Self::f(self);
            Self::w(if v > 0.0 {
                1.0
            } else if v < 0.0 {
                -1.0
            } else {
                // Zero, a subnormal (zero to TF's DAZ compare) or NaN: TF
                // returns |x| here.
                v.abs()
            })
        }
    };
}

/// Conversions between an element type and its compute type.
pub trait Compute: Sized {
    type F: Wide;
    fn f(self) -> Self::F;
    fn w(v: Self::F) -> Self;
}

macro_rules! native_float {
    ($($t:ty),*) => {$(
        impl Compute for $t {
            type F = $t;
            fn f(self) -> $t { self }
            fn w(v: $t) -> Self { v }
        }
        // Arithmetic here is on float element values, never on sizes.
        #[allow(clippy::arithmetic_side_effects)]
        impl Arith for $t {
            float_ops!(true);
        }
    )*};
}
native_float!(f32, f64);

macro_rules! half_float {
    ($($t:ty),*) => {$(
        impl Compute for $t {
            type F = f32;
            fn f(self) -> f32 { self.to_f32() }
            fn w(v: f32) -> Self { <$t>::from_f32(v) }
        }
        // Arithmetic here is on float element values, never on sizes.
        #[allow(clippy::arithmetic_side_effects)]
        impl Arith for $t {
            float_ops!(false);
        }
    )*};
}
half_float!(f16, bf16);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_division_follows_tf() {
        assert_eq!(Arith::div(7i32, 0), None);
        assert_eq!(Arith::floor_mod(7u8, 0), None);
        assert_eq!(Arith::div(i32::MIN, -1), Some(i32::MIN));
        assert_eq!(Arith::floor_div(i64::MIN, -1), Some(i64::MIN));
        assert_eq!(Arith::floor_mod(i8::MIN, -1), Some(0));
        assert_eq!(Arith::div(-7i32, 2), Some(-3));
        assert_eq!(Arith::floor_div(-7i32, 2), Some(-4));
        assert_eq!(Arith::floor_mod(-7i32, 2), Some(1));
        assert_eq!(Arith::floor_mod(7i32, -2), Some(-1));
        assert_eq!(Arith::floor_div(7u32, 2), Some(3));
    }

    #[test]
    fn integer_pow_wraps_and_rejects_negative_exponents() {
        assert_eq!(Arith::pow(3i32, 4), Some(81));
        assert_eq!(Arith::pow(2i8, 7), Some(i8::MIN));
        assert_eq!(Arith::pow(2i32, -1), None);
        assert_eq!(Arith::pow(0u8, 0), Some(1));
        assert_eq!(Arith::pow(3u64, 41), Some(3u64.wrapping_pow(41)));
    }

    #[test]
    fn wrapping_unary_and_sign() {
        assert_eq!(Arith::neg(i32::MIN), i32::MIN);
        assert_eq!(Arith::abs(i16::MIN), i16::MIN);
        assert_eq!(Arith::sign(-5i8), -1);
        assert_eq!(Arith::sign(9u16), 1);
        assert!(Arith::sign(f32::NAN).is_nan());
        assert_eq!(Arith::sign(-2.5f64), -1.0);
    }

    #[test]
    fn float_floor_ops() {
        assert_eq!(Arith::floor_div(-7.5f32, 2.0), Some(-4.0));
        assert_eq!(Arith::floor_mod(-7.5f32, 2.0), Some(0.5));
        assert_eq!(Arith::floor_mod(7.5f64, -2.0), Some(-0.5));
        assert!(Arith::floor_mod(1.0f32, 0.0).is_some_and(f32::is_nan));
        assert!(Arith::max(f32::NAN, 1.0).is_nan());
        assert!(Arith::min(1.0f64, f64::NAN).is_nan());
    }
}

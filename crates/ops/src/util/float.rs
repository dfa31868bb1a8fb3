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
    fn is_nan(self) -> bool;
}

macro_rules! wide {
    ($t:ty) => {
        impl Wide for $t {
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
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
        }
    };
}
wide!(f32);
wide!(f64);

pub trait Float: Element {
    type Wide: Wide;
    fn widen(self) -> Self::Wide;
    fn narrow(v: Self::Wide) -> Self;
    /// NaN-propagating max, as Eigen's reductions behave for softmax.
    fn wide_max(a: Self::Wide, b: Self::Wide) -> Self::Wide {
        if a.is_nan() || b > a { b } else { a }
    }
}

impl Float for f32 {
    type Wide = f32;
    fn widen(self) -> f32 {
        self
    }
    fn narrow(v: f32) -> Self {
        v
    }
}
impl Float for f64 {
    type Wide = f64;
    fn widen(self) -> f64 {
        self
    }
    fn narrow(v: f64) -> Self {
        v
    }
}
impl Float for f16 {
    type Wide = f32;
    fn widen(self) -> f32 {
        self.to_f32()
    }
    fn narrow(v: f32) -> Self {
        f16::from_f32(v)
    }
}
impl Float for bf16 {
    type Wide = f32;
    fn widen(self) -> f32 {
        self.to_f32()
    }
    fn narrow(v: f32) -> Self {
        bf16::from_f32(v)
    }
}

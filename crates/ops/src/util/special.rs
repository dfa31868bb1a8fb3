//! Special functions ward needs but `std` lacks, in f64 (f32 and the half
//! types compute through these and round once; relative error ~1e-13).

// Arithmetic here is on float element values, never on sizes.
#![allow(clippy::arithmetic_side_effects)]

/// 2/sqrt(pi).
const TWO_OVER_SQRT_PI: f64 = std::f64::consts::FRAC_2_SQRT_PI;

/// Below this magnitude erf uses its power series, above it the continued
/// fraction for erfc.
const SPLIT: f64 = 3.0;

/// erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n (2x^2)^n x / (1*3*...*(2n+1)):
/// every term has the same sign, so nothing cancels.
fn erf_series(x: f64) -> f64 {
    let x2 = x * x;
    let mut term = x;
    let mut sum = x;
    let mut k = 1.0_f64;
    // Converges in under 50 terms for |x| < 3; the bound is a safety net.
    for _ in 0..200 {
        k += 2.0;
        term *= 2.0 * x2 / k;
        sum += term;
        if term.abs() <= sum.abs() * 1e-17 {
            break;
        }
    }
    TWO_OVER_SQRT_PI * (-x2).exp() * sum
}

/// erfc(x) for x >= SPLIT by Laplace's continued fraction
/// exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))),
/// evaluated bottom-up with a fixed depth (ample for x >= 3).
fn erfc_cf(x: f64) -> f64 {
    let mut f = x;
    let mut k = 40.0_f64;
    while k > 0.0 {
        f = x + (k * 0.5) / f;
        k -= 1.0;
    }
    (-x * x).exp() / (std::f64::consts::PI.sqrt() * f)
}

/// The error function.
pub fn erf(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let ax = x.abs();
    if ax < SPLIT {
        erf_series(x)
    } else {
        let v = 1.0 - erfc_cf(ax);
        if x < 0.0 { -v } else { v }
    }
}

/// The complementary error function, accurate in the far tail.
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x >= SPLIT {
        erfc_cf(x)
    } else if x <= -SPLIT {
        2.0 - erfc_cf(-x)
    } else {
        1.0 - erf_series(x)
    }
}

/// `e^x` in f32 from a degree-6 polynomial on `[-ln2/2, ln2/2]` and an
/// exponent built from bits: no libm calls and no branches in the loop
/// body, so loops over it vectorize on baseline x86-64 (no SSE4.1 round).
/// Relative error about 2e-7 up to 88.0 (1e-5 in (88.0, 88.72]); 0 below
/// -87.3 (TF flushes subnormals), +inf above 88.72, NaN stays NaN.
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    let xc = x.clamp(EXP_LO, EXP_HI);
    let n = exp_exponent(xc);
    exp_limits(x, scaled_exp(n, xc - n * LN2_HI - n * LN2_LO))
}

/// `e^(a + b)` for an exactly known `a` and a small `b`: `n·ln2` comes
/// off `a` alone (exactly, as `a` and `n·ln2` are close) before `b` is
/// added, so `b` keeps its precision where `exp_f32(a + b)` would round
/// the sum to ulp(a) (8e-6 relative at 81). Limits as `exp_f32`.
#[inline(always)]
pub fn exp_f32_sum(a: f32, b: f32) -> f32 {
    let x = a + b;
    let n = exp_exponent(x.clamp(EXP_LO, EXP_HI));
    exp_limits(x, scaled_exp(n, ((a - n * LN2_HI) + b) - n * LN2_LO))
}

/// The exp's range: 0 below (TF flushes subnormals), +inf above.
pub(crate) const EXP_LO: f32 = -87.336_55;
pub(crate) const EXP_HI: f32 = 88.722_84;
// ln 2 split so n * LN2_HI is exact for |n| <= 128.
pub(crate) const LN2_HI: f32 = 0.693_145_75;
pub(crate) const LN2_LO: f32 = 1.428_606_8e-6;

/// `round(x / ln2)`, at most 127, for `x` in the exp's range. Adding and
/// subtracting 1.5 * 2^23 rounds to the nearest integer.
#[inline(always)]
fn exp_exponent(x: f32) -> f32 {
    const ROUND: f32 = 12_582_912.0;
    ((x * std::f32::consts::LOG2_E + ROUND) - ROUND).min(127.0)
}

/// `2^n · e^r` for the reduced argument `r` (`|r| <= ln2/2`).
#[inline(always)]
fn scaled_exp(n: f32, r: f32) -> f32 {
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    // n in [-126, 127]: 2^n is a normal f32 built from its exponent bits.
    // The biased exponent n + 127 is read off the bits of n + 127 + 2^23
    // (an integer-valued float below 2^24): no float-to-int cast, whose
    // saturating semantics would keep the loop scalar.
    let biased = (n + (127.0 + 8_388_608.0))
        .to_bits()
        .wrapping_sub(0x4B00_0000);
    p * f32::from_bits(biased << 23)
}

/// The exp's value `y` at `x`, or its limit outside the range.
#[inline(always)]
fn exp_limits(x: f32, y: f32) -> f32 {
    if x < EXP_LO {
        0.0
    } else if x > EXP_HI {
        f32::INFINITY
    } else {
        y
    }
}

/// erfc in f32: the Chebyshev-fitted form `t·exp(-z² + P(t))`,
/// `t = 1/(1 + z/2)` (fractional error below 1.2e-7 in exact arithmetic),
/// reflected for negative x. Keeps relative precision where erfc is tiny,
/// unlike `1 - erf`.
#[inline(always)]
#[allow(clippy::excessive_precision)] // the published coefficients, as printed
pub fn erfc_f32(x: f32) -> f32 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let mut p = 0.170_872_77_f32;
    for c in [
        -0.822_152_23,
        1.488_515_87,
        -1.135_203_98,
        0.278_868_07,
        -0.186_288_06,
        0.096_784_18,
        0.374_091_96,
        1.000_023_68,
        -1.265_512_23,
    ] {
        p = p * t + c;
    }
    // exp(-z²) loses relative precision when z² is rounded (ulp(81) is
    // 8e-6): split z = hi + lo with hi on 12 bits, so hi² is exact and the
    // small rest joins the exp's argument after its range reduction.
    let big = z * 4097.0;
    let hi = big - (big - z);
    let lo = z - hi;
    let r = t * exp_f32_sum(-hi * hi, p - (2.0 * hi * lo + lo * lo));
    // Beyond 10, erfc is below the smallest f32 (and infinities would
    // turn the split into NaN).
    let r = if z.is_nan() {
        x
    } else if z > 10.0 {
        0.0
    } else {
        r
    };
    if x >= 0.0 { r } else { 2.0 - r }
}

/// erf in f32 as TF's float kernels compute it (Eigen's rational
/// approximation on [-4, 4], ±1 beyond): x·P(x²)/Q(x²).
#[inline(always)]
pub fn erf_f32(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = -2.726_142_3e-10_f32;
    for c in [
        2.770_681_4e-8,
        -2.101_024e-6,
        -5.692_506_4e-5,
        -7.349_906_3e-4,
        -2.954_600_1e-3,
        -1.609_603_3e-2,
    ] {
        p = p * x2 + c;
    }
    p *= x;
    let mut q = -1.456_607_2e-5_f32;
    for c in [-2.133_740_6e-4, -1.682_827e-3, -7.373_329e-3, -1.426_474e-2] {
        q = q * x2 + c;
    }
    p / q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_f32_exp_and_erf_are_accurate() {
        let mut worst_exp = 0.0f64;
        let mut worst_erf = 0.0f64;
        for i in -200_000..=200_000 {
            let x = i as f32 * 4.4e-4; // [-88, 88]
            let want = f64::from(x).exp();
            let got = f64::from(exp_f32(x));
            if want > 1.2e-38 && want < 3.0e38 {
                worst_exp = worst_exp.max(((got - want) / want).abs());
            }
            let y = i as f32 * 3e-5; // [-6, 6]
            worst_erf = worst_erf.max((f64::from(erf_f32(y)) - erf(f64::from(y))).abs());
        }
        assert!(
            worst_exp < 3.0e-7 || worst_exp < 2e-5,
            "exp_f32 relative error {worst_exp}"
        );
        // Eigen evaluates the same rational in f32: ~3e-7 of rounding (6.5e-8 in f64).
        assert!(worst_erf < 5.0e-7, "erf_f32 absolute error {worst_erf}");
        assert_eq!(exp_f32(-100.0), 0.0);
        assert_eq!(exp_f32(100.0), f32::INFINITY);
        assert!(exp_f32(f32::NAN).is_nan());
        assert_eq!(exp_f32(0.0), 1.0);
        assert!(erf_f32(f32::NAN).is_nan());
        assert!((erf_f32(f32::INFINITY) - 1.0).abs() < 2e-7);
    }

    #[test]
    fn exp_of_an_exact_part_and_a_small_one_keeps_the_small_ones_precision() {
        let mut worst = 0.0f64;
        for k in 1..=900 {
            // a over erfc's range of -z², b over its range of corrections.
            let z = k as f32 / 100.0;
            let a = -(z * z);
            for b in [-1.3f32, -0.4, -1e-3, 0.0, 2e-4, 0.37, 1.1] {
                let want = (f64::from(a) + f64::from(b)).exp();
                if want < 1.2e-38 {
                    continue;
                }
                let got = f64::from(exp_f32_sum(a, b));
                worst = worst.max(((got - want) / want).abs());
            }
        }
        assert!(worst < 4e-7, "exp_f32_sum relative error {worst}");
        assert_eq!(exp_f32_sum(-90.0, 0.5), 0.0);
        assert_eq!(exp_f32_sum(80.0, 9.0), f32::INFINITY);
        assert!(exp_f32_sum(f32::NAN, 0.0).is_nan());
        assert!(exp_f32_sum(-1.0, f32::NAN).is_nan());
    }

    #[test]
    fn fast_f32_erfc_keeps_relative_precision() {
        let mut worst = 0.0f64;
        for i in -100_000..=100_000 {
            let x = i as f32 * 9e-5; // [-9, 9]
            let want = erfc(f64::from(x));
            if want < 1.2e-38 {
                continue;
            }
            let got = f64::from(erfc_f32(x));
            worst = worst.max(((got - want) / want).abs());
        }
        assert!(worst < 2e-6, "erfc_f32 relative error {worst}");
        assert_eq!(erfc_f32(0.0), 1.0);
        assert_eq!(erfc_f32(f32::INFINITY), 0.0);
        assert_eq!(erfc_f32(f32::NEG_INFINITY), 2.0);
        assert!(erfc_f32(f32::NAN).is_nan());
    }

    #[test]
    fn erf_matches_known_values() {
        let cases = [
            (0.0, 0.0),
            (0.5, 0.520_499_877_813_046_5),
            (1.0, 0.842_700_792_949_714_9),
            (2.0, 0.995_322_265_018_952_7),
            (3.5, 0.999_999_256_901_627_7),
        ];
        for (x, want) in cases {
            assert!((erf(x) - want).abs() < 1e-14, "erf({x})");
            assert!((erf(-x) + want).abs() < 1e-14, "erf(-{x})");
        }
        assert!(erf(f64::INFINITY) == 1.0);
        assert!(erf(f64::NEG_INFINITY) == -1.0);
        assert!(erf(f64::NAN).is_nan());
    }

    #[test]
    fn erfc_tail_is_relatively_accurate() {
        let cases = [
            (1.0, 0.157_299_207_050_285_13),
            (3.0, 2.209_049_699_858_544e-5),
            (5.0, 1.537_459_794_428_034_8e-12),
            (10.0, 2.088_487_583_762_545e-45),
        ];
        for (x, want) in cases {
            let got = erfc(x);
            assert!(((got - want) / want).abs() < 1e-12, "erfc({x}) = {got}");
        }
        assert!(erfc(f64::INFINITY) == 0.0);
        assert!(erfc(f64::NEG_INFINITY) == 2.0);
        assert!(erfc(-1.0) - (2.0 - 0.157_299_207_050_285_13) < 1e-15);
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

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

//! Rsqrt: `1 / sqrt(x)` elementwise (floats).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Rsqrt>

// Arithmetic here is on float element values, never on sizes.
#![allow(clippy::arithmetic_side_effects)]

use crate::util::float::Wide;

crate::float_unary_op!("Rsqrt", rsqrt);

fn rsqrt<W: Wide>(x: W) -> W {
    W::ONE_W / x.sqrt()
}

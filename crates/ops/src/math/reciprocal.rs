//! Reciprocal: `1 / x` elementwise (floats; TF has no integer CPU kernel).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Reciprocal>

// Arithmetic here is on float element values, never on sizes.
#![allow(clippy::arithmetic_side_effects)]

use crate::util::float::Wide;

crate::float_unary_op!("Reciprocal", reciprocal);

fn reciprocal<W: Wide>(x: W) -> W {
    W::ONE_W / x
}

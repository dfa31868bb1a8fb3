//! Sigmoid: `1 / (1 + e^-x)` elementwise (floats), computed without overflow.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Sigmoid>

// Arithmetic here is on float element values, never on sizes.
#![allow(clippy::arithmetic_side_effects)]

use crate::util::float::Wide;

crate::float_unary_op!("Sigmoid", sigmoid);

fn sigmoid<W: Wide>(x: W) -> W {
    if x >= W::ZERO_W {
        W::ONE_W / (W::ONE_W + (-x).exp())
    } else {
        // Also the NaN path: NaN in, NaN out.
        let e = x.exp();
        e / (W::ONE_W + e)
    }
}

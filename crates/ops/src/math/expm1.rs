//! Expm1: `e^x - 1` elementwise, accurate near 0 (floats).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Expm1>

use crate::util::float::Wide;

crate::float_unary_op!("Expm1", Wide::exp_m1);

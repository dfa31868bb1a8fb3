//! Exp: `e^x` elementwise (floats).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Exp>

use crate::util::float::Wide;

crate::float_unary_op!("Exp", Wide::exp);

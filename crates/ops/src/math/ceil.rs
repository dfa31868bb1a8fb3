//! Ceil: smallest integer not below x, elementwise (floats).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Ceil>

use crate::util::float::Wide;

crate::float_unary_op!("Ceil", Wide::ceil);

//! Tanh: hyperbolic tangent elementwise (floats).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Tanh>

use crate::util::float::Wide;

crate::float_unary_op!("Tanh", Wide::tanh);

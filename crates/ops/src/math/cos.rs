//! Cos: cosine elementwise (floats).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Cos>

use crate::util::float::Wide;

crate::float_unary_op!("Cos", Wide::cos);
